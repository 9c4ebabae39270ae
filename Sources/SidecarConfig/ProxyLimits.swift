/// Limits that protect the proxy from oversized or slow clients (issue 7's "limits, with the right status").
public struct ProxyLimits: Sendable, Hashable, Codable {
    /// Longest request line; longer gets 414.
    public var maxRequestLineBytes: Int
    /// Largest header section (request line included); larger gets 431. Also applies to responses (502).
    public var maxHeaderBytes: Int
    /// Most header fields in one message; more gets 431.
    public var maxHeaderCount: Int
    /// Time a client has to send a complete request head once it started one; then 408 and close.
    public var headerTimeout: Duration
    /// An idle keep-alive client connection is closed after this.
    public var idleTimeout: Duration
    /// Client connections open at once, per event loop thread; more are closed at accept.
    public var maxConnections: Int
    /// A tunnel (a WebSocket after its 101, an `appProtocol: tcp` connection) that carried no byte either way for
    /// this long is closed on both sides (Envoy's tcp_proxy `idle_timeout`, 1h by default there too).
    public var tunnelIdleTimeout: Duration

    public init(
        maxRequestLineBytes: Int = 8 * 1024, maxHeaderBytes: Int = 64 * 1024, maxHeaderCount: Int = 128,
        headerTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60),
        maxConnections: Int = 10_000, tunnelIdleTimeout: Duration = .seconds(3600)
    ) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.tunnelIdleTimeout = tunnelIdleTimeout
    }

    private enum CodingKeys: String, CodingKey {
        case maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, headerTimeout, idleTimeout, maxConnections
        case tunnelIdleTimeout
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ProxyLimits()
        self.maxRequestLineBytes = try c.decodeIfPresent(Int.self, forKey: .maxRequestLineBytes) ?? d.maxRequestLineBytes
        self.maxHeaderBytes = try c.decodeIfPresent(Int.self, forKey: .maxHeaderBytes) ?? d.maxHeaderBytes
        self.maxHeaderCount = try c.decodeIfPresent(Int.self, forKey: .maxHeaderCount) ?? d.maxHeaderCount
        self.headerTimeout = try c.decodeDurationIfPresent(forKey: .headerTimeout) ?? d.headerTimeout
        self.idleTimeout = try c.decodeDurationIfPresent(forKey: .idleTimeout) ?? d.idleTimeout
        self.maxConnections = try c.decodeIfPresent(Int.self, forKey: .maxConnections) ?? d.maxConnections
        self.tunnelIdleTimeout = try c.decodeDurationIfPresent(forKey: .tunnelIdleTimeout) ?? d.tunnelIdleTimeout
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(maxRequestLineBytes, forKey: .maxRequestLineBytes)
        try c.encode(maxHeaderBytes, forKey: .maxHeaderBytes)
        try c.encode(maxHeaderCount, forKey: .maxHeaderCount)
        try c.encodeDuration(headerTimeout, forKey: .headerTimeout)
        try c.encodeDuration(idleTimeout, forKey: .idleTimeout)
        try c.encode(maxConnections, forKey: .maxConnections)
        try c.encodeDuration(tunnelIdleTimeout, forKey: .tunnelIdleTimeout)
    }
}
