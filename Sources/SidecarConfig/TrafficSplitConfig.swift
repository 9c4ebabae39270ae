/// A weighted split of a root service over backend services (SMI TrafficSplit, compiled).
///
/// Requests that match one of `matches` (when any are given) are split over `backends`; all others go to the root
/// service itself, as SMI says. Weights are relative; at least one must be > 0.
public struct TrafficSplitConfig: Sendable, Hashable, Codable {
    public struct Backend: Sendable, Hashable, Codable {
        public var service: String
        public var weight: Int
        public init(service: String, weight: Int) {
            self.service = service
            self.weight = weight
        }
    }

    public var name: String
    public var rootService: String
    public var backends: [Backend]
    /// HTTPRouteGroup rules, any of which selects the split; empty means every request is split.
    public var matches: [RouteMatch]
    /// Looked at before `matches` and the weights: a request fitting one goes to its service whatever the weights
    /// (blue-green's preview: `x-mesh-preview: 1` reaches the new version while it has weight 0). First fit wins.
    public var pinnedRoutes: [PinnedRoute]
    /// HTTPRoute rules (`SplitRule`): when present they decide instead of `backends` and `matches`.
    public var rules: [SplitRule] = []
    /// A rollout's mirror routes (Argo's `setMirrorRoute`): a request fitting one is also copied to its service,
    /// whatever backend answers it. First fit wins. Set after compiling, like the rollout's weights.
    public var mirrorRoutes: [MirrorRoute] = []
    /// A rollout's session affinity while its canary takes part of the traffic (Flagger's `sessionAffinity`).
    public var sessionAffinity: SplitSessionAffinity?

    public init(name: String, rootService: String, backends: [Backend], matches: [RouteMatch] = [],
                pinnedRoutes: [PinnedRoute] = [], rules: [SplitRule] = []) {
        self.name = name
        self.rootService = rootService
        self.backends = backends
        self.matches = matches
        self.pinnedRoutes = pinnedRoutes
        self.rules = rules
    }

    private enum CodingKeys: String, CodingKey { case name, rootService, backends, matches, pinnedRoutes, rules, mirrorRoutes, sessionAffinity }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decode(String.self, forKey: .name)
        self.rootService = try c.decode(String.self, forKey: .rootService)
        self.backends = try c.decode([Backend].self, forKey: .backends)
        self.matches = try c.decodeIfPresent([RouteMatch].self, forKey: .matches) ?? []
        self.pinnedRoutes = try c.decodeIfPresent([PinnedRoute].self, forKey: .pinnedRoutes) ?? []
        self.rules = try c.decodeIfPresent([SplitRule].self, forKey: .rules) ?? []
        self.mirrorRoutes = try c.decodeIfPresent([MirrorRoute].self, forKey: .mirrorRoutes) ?? []
        self.sessionAffinity = try c.decodeIfPresent(SplitSessionAffinity.self, forKey: .sessionAffinity)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(rootService, forKey: .rootService)
        try c.encode(backends, forKey: .backends)
        try c.encode(matches, forKey: .matches)
        // Absent unless used: configs without a preview stay byte-identical to before the field existed.
        if !pinnedRoutes.isEmpty { try c.encode(pinnedRoutes, forKey: .pinnedRoutes) }
        if !rules.isEmpty { try c.encode(rules, forKey: .rules) }
        if !mirrorRoutes.isEmpty { try c.encode(mirrorRoutes, forKey: .mirrorRoutes) }
        try c.encodeIfPresent(sessionAffinity, forKey: .sessionAffinity)
    }
}

/// A split's route that bypasses the weights: requests fitting `match` go to `service` (one of the backends).
public struct PinnedRoute: Sendable, Hashable, Codable {
    public var match: RouteMatch
    public var service: String

    public init(match: RouteMatch, service: String) {
        self.match = match
        self.service = service
    }
}

/// A split's mirror route: `percentage` percent of the requests fitting `match` are copied to `service`.
public struct MirrorRoute: Sendable, Hashable, Codable {
    public var match: RouteMatch
    public var service: String
    /// 0–100.
    public var percentage: Double

    public init(match: RouteMatch, service: String, percentage: Double) {
        self.match = match
        self.service = service
        self.percentage = percentage
    }
}

/// Pins a client to the backend it got, with a cookie (`TrafficPolicy.SessionAffinity` decides).
public struct SplitSessionAffinity: Sendable, Hashable, Codable {
    public var cookieName: String
    /// Seconds (`Max-Age`).
    public var maxAge: Int
    /// The cookie value that pins each backend service; a backend not listed is never pinned.
    public var values: [String: String]

    public init(cookieName: String, maxAge: Int, values: [String: String]) {
        self.cookieName = cookieName
        self.maxAge = maxAge
        self.values = values
    }
}

/// One HTTPRouteGroup match (specs.smi-spec.io/v1alpha4): every given part must hold.
/// Regexes are anchored to the whole value, as SMI's examples intend (`/api/.*`).
public struct RouteMatch: Sendable, Hashable, Codable {
    public var name: String
    public var pathRegex: String?
    /// Upper-case method names; empty or `["*"]` matches any.
    public var methods: [String]
    /// Header name (any case) → regex over the value.
    public var headers: [String: String]
    /// Query parameter name (exact) → regex over its first value (HTTPRoute `queryParams`).
    public var queryParams: [String: String] = [:]

    public init(name: String, pathRegex: String? = nil, methods: [String] = [], headers: [String: String] = [:],
                queryParams: [String: String] = [:]) {
        self.name = name
        self.pathRegex = pathRegex
        self.methods = methods
        self.headers = headers
        self.queryParams = queryParams
    }

    private enum CodingKeys: String, CodingKey { case name, pathRegex, methods, headers, queryParams }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        self.pathRegex = try c.decodeIfPresent(String.self, forKey: .pathRegex)
        self.methods = try c.decodeIfPresent([String].self, forKey: .methods) ?? []
        self.headers = try c.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        self.queryParams = try c.decodeIfPresent([String: String].self, forKey: .queryParams) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encodeIfPresent(pathRegex, forKey: .pathRegex)
        try c.encode(methods, forKey: .methods)
        try c.encode(headers, forKey: .headers)
        // Absent unless used: configurations from SMI matches stay byte-identical to before the field existed.
        if !queryParams.isEmpty { try c.encode(queryParams, forKey: .queryParams) }
    }
}
