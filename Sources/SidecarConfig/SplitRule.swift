/// One routing rule of a split (an HTTPRoute rule, compiled): requests fitting `match` are shared among this rule's
/// `backends` by weight, under the rule's timeouts. A split with rules routes by them alone — in order, the first
/// that fits decides — and a request that fits none gets 404 `no-route` (Gateway API); `pinnedRoutes` still come
/// first. The reconciler orders them by Gateway API's precedence (exact path, longest prefix, method, most header
/// matches, most query matches, then rule order).
public struct SplitRule: Sendable, Hashable, Codable {
    /// Where it came from (`httproute/web rules[1] matches[0]`), for errors.
    public var name: String
    /// nil: every request.
    public var match: RouteMatch?
    public var backends: [TrafficSplitConfig.Backend]
    /// The whole request's deadline (HTTPRoute `timeouts.request`); nil: the service's.
    public var timeout: Duration?
    /// Each try's deadline for a response head (`timeouts.backendRequest`); nil: the service's.
    public var perTryTimeout: Duration?

    public init(name: String, match: RouteMatch? = nil, backends: [TrafficSplitConfig.Backend],
                timeout: Duration? = nil, perTryTimeout: Duration? = nil) {
        self.name = name
        self.match = match
        self.backends = backends
        self.timeout = timeout
        self.perTryTimeout = perTryTimeout
    }

    private enum CodingKeys: String, CodingKey { case name, match, backends, timeout, perTryTimeout }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        self.match = try c.decodeIfPresent(RouteMatch.self, forKey: .match)
        self.backends = try c.decode([TrafficSplitConfig.Backend].self, forKey: .backends)
        self.timeout = try c.decodeDurationIfPresent(forKey: .timeout)
        self.perTryTimeout = try c.decodeDurationIfPresent(forKey: .perTryTimeout)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encodeIfPresent(match, forKey: .match)
        try c.encode(backends, forKey: .backends)
        try c.encodeDurationIfPresent(timeout, forKey: .timeout)
        try c.encodeDurationIfPresent(perTryTimeout, forKey: .perTryTimeout)
    }
}
