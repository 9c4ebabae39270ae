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
    /// A copy of `percentage` percent of the rule's requests goes to this service (HTTPRoute `RequestMirror`).
    public var mirror: RequestMirror?
    /// Header modifiers, URL rewrite, redirect (HTTPRoute filters); nil: none.
    public var filters: RouteFilters?

    /// Copies of requests to another service; their answers are thrown away and the request never waits for them.
    public struct RequestMirror: Sendable, Hashable, Codable {
        public var service: String
        /// 0–100, fractions allowed.
        public var percentage: Double

        public init(service: String, percentage: Double = 100) {
            self.service = service
            self.percentage = percentage
        }
    }

    public init(name: String, match: RouteMatch? = nil, backends: [TrafficSplitConfig.Backend],
                timeout: Duration? = nil, perTryTimeout: Duration? = nil, mirror: RequestMirror? = nil,
                filters: RouteFilters? = nil) {
        self.name = name
        self.match = match
        self.backends = backends
        self.timeout = timeout
        self.perTryTimeout = perTryTimeout
        self.mirror = mirror
        self.filters = filters
    }

    private enum CodingKeys: String, CodingKey { case name, match, backends, timeout, perTryTimeout, mirror, filters }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        self.match = try c.decodeIfPresent(RouteMatch.self, forKey: .match)
        self.backends = try c.decode([TrafficSplitConfig.Backend].self, forKey: .backends)
        self.timeout = try c.decodeDurationIfPresent(forKey: .timeout)
        self.perTryTimeout = try c.decodeDurationIfPresent(forKey: .perTryTimeout)
        self.mirror = try c.decodeIfPresent(RequestMirror.self, forKey: .mirror)
        self.filters = try c.decodeIfPresent(RouteFilters.self, forKey: .filters)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encodeIfPresent(match, forKey: .match)
        try c.encode(backends, forKey: .backends)
        try c.encodeDurationIfPresent(timeout, forKey: .timeout)
        try c.encodeDurationIfPresent(perTryTimeout, forKey: .perTryTimeout)
        try c.encodeIfPresent(mirror, forKey: .mirror)
        try c.encodeIfPresent(filters, forKey: .filters)
    }
}
