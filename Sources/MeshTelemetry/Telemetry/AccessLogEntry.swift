import Foundation

/// One line of a proxy's access log (docs/sidecar.md, "Access log"): what `meshctl logs`, `meshctl trace` and
/// the dashboard read.
public struct AccessLogEntry: Codable, Sendable, Hashable {
    /// When the request head arrived, RFC 3339 UTC with milliseconds.
    public var ts: String
    /// The proxy that wrote the line (`web/sidecar/0`, `gateway/gateway/0`).
    public var proxy: String
    public var listener: String
    /// `inbound`, `outbound` or `gateway`.
    public var kind: String
    public var requestID: String
    public var traceID: String
    /// This hop's span; the upstream received it as the parent in its `traceparent`.
    public var spanID: String
    /// The span of the hop before; nil when this hop started the trace.
    public var parentSpanID: String?
    public var method: String
    public var authority: String?
    public var path: String
    /// The service the request was routed to (for a split, the backend); nil when no route matched.
    public var service: String?
    /// `host:port` of the last try; nil when no endpoint was tried.
    public var upstream: String?
    public var attempts: Int
    /// The status the client got; 0 when the exchange was aborted before a response head.
    public var status: Int
    /// From the request head to the response's end.
    public var durationMs: Double
    /// Set on the proxy's own answers (`no-healthy-endpoint`, `timeout`, `retries-exhausted`, …) and `aborted`.
    public var reason: String?

    enum CodingKeys: String, CodingKey {
        case ts, proxy, listener, kind, method, authority, path, service, upstream, attempts, status, reason
        case requestID = "request_id"
        case traceID = "trace_id"
        case spanID = "span_id"
        case parentSpanID = "parent_span_id"
        case durationMs = "duration_ms"
    }

    public init(
        ts: String, proxy: String, listener: String, kind: String, requestID: String, traceID: String, spanID: String,
        parentSpanID: String?, method: String = "GET", authority: String? = nil, path: String = "/",
        service: String? = nil, upstream: String? = nil, attempts: Int = 1, status: Int = 200, durationMs: Double = 1,
        reason: String? = nil
    ) {
        self.ts = ts
        self.proxy = proxy
        self.listener = listener
        self.kind = kind
        self.requestID = requestID
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.method = method
        self.authority = authority
        self.path = path
        self.service = service
        self.upstream = upstream
        self.attempts = attempts
        self.status = status
        self.durationMs = durationMs
        self.reason = reason
    }

    /// Unix seconds of `ts`.
    public var start: Double? { RFC3339.parse(ts) }

    /// Decodes one line; nil for anything that is not an access-log line.
    public static func decode<S: StringProtocol>(line: S) -> AccessLogEntry? {
        try? JSONDecoder().decode(AccessLogEntry.self, from: Data(line.utf8))
    }
}
