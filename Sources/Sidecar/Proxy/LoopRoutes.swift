import SidecarConfig
import TrafficPolicy

/// One configuration compiled for one event loop: services with their endpoints, splits, and per-listener routing.
/// Immutable after compilation except for balancer and split counters, which only this loop touches.
final class LoopRoutes {
    let config: SidecarConfiguration
    let services: [String: ServiceState]
    /// Host header value (without port, lower-cased) → service, for outbound listeners.
    let hosts: [String: ServiceState]
    let splits: [String: SplitState]
    /// Injected faults by the service the caller addressed (caller-side listeners apply them).
    let faults: [String: FaultRoutes]
    let listeners: [String: Listener]
    /// Inbound listeners' AuthorizationPolicies, compiled (DownstreamHandler+Authorization.swift).
    let authorization: [String: Authorization]
    let requestTimeoutNanos: UInt64
    let limits: ProxyLimits
    let parserLimits: HTTPHeadParser.Limits
    let headerTimeoutNanos: UInt64
    let idleTimeoutNanos: UInt64
    let tunnelIdleTimeoutNanos: UInt64
    /// Each listener's requests as far as the configuration decides them (`ListenerPlan`).
    private(set) var plans: [String: ListenerPlan] = [:]

    init(
        config: SidecarConfiguration, services: [String: ServiceState], splits: [String: SplitState]
    ) {
        self.config = config
        self.services = services
        var hosts: [String: ServiceState] = [:]
        for service in services.values {
            for key in Self.hostKeys(service.config) { hosts[key] = service }
        }
        self.hosts = hosts
        self.splits = splits
        self.faults = config.faults.isEmpty ? [:] : FaultRoutes.compile(config.faults)
        self.listeners = Dictionary(config.listeners.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.authorization = Authorization.compile(config.listeners)
        self.requestTimeoutNanos = config.defaultRequestTimeout.map(\.clampedNanoseconds) ?? 0
        self.limits = config.limits
        self.parserLimits = HTTPHeadParser.Limits(
            maxStartLine: config.limits.maxRequestLineBytes, maxHeadSize: config.limits.maxHeaderBytes,
            maxFields: config.limits.maxHeaderCount)
        self.headerTimeoutNanos = config.limits.headerTimeout.clampedNanoseconds
        self.idleTimeoutNanos = config.limits.idleTimeout.clampedNanoseconds
        self.tunnelIdleTimeoutNanos = config.limits.tunnelIdleTimeout.clampedNanoseconds
        self.plans = ListenerPlan.compile(self)
    }

    /// `previous` with other splits, and other services where a `PATCH /config` replaced, added or removed some:
    /// everything else (faults, listeners, limits) is the same (a patch changes services, splits and retry
    /// policies only), and so are `previous`'s services and host table when the caller passes them on.
    init(config: SidecarConfiguration, keeping previous: LoopRoutes, services: [String: ServiceState]? = nil,
         hosts: [String: ServiceState]? = nil, splits: [String: SplitState]) {
        self.config = config
        self.services = services ?? previous.services
        self.hosts = hosts ?? previous.hosts
        self.splits = splits
        self.faults = previous.faults
        self.listeners = previous.listeners
        self.authorization = previous.authorization
        self.requestTimeoutNanos = previous.requestTimeoutNanos
        self.limits = previous.limits
        self.parserLimits = previous.parserLimits
        self.headerTimeoutNanos = previous.headerTimeoutNanos
        self.idleTimeoutNanos = previous.idleTimeoutNanos
        self.tunnelIdleTimeoutNanos = previous.tunnelIdleTimeoutNanos
        // Compiled again, not kept: whether a listener's service is `.fixed` depends on the splits.
        self.plans = ListenerPlan.compile(self)
    }

    /// The `hosts` keys a service answers to: its name and its aliases, lower-cased.
    static func hostKeys(_ service: ServiceConfig) -> [String] {
        [service.name.lowercased()] + service.hosts.map { $0.lowercased() }
    }

    /// The plan of the listener `name` (`ListenerPlan.unknown` for a name the configuration does not have).
    func plan(forListener name: String) -> ListenerPlan { plans[name] ?? .unknown }

    /// How a listener's requests find their service; `.fixed` needs no look at the request at all.
    func route(forListener name: String) -> ListenerRoute {
        guard let listener = listeners[name] else { return .none }
        switch listener.kind {
        case .inbound, .outbound:
            guard let serviceName = listener.service else { return .perRequest }
            guard let service = services[serviceName] else {
                return .degraded("unknown service \"\(serviceName)\" (listener \"\(name)\")")
            }
            return splits[serviceName] == nil ? .fixed(service) : .perRequest
        case .gateway:
            return .perRequest
        }
    }
}

/// A TrafficSplit on one loop: its route matches compiled once (`RouteTable`, the byte-level fast matcher with
/// Swift `Regex` only for patterns that need it) and the smooth weighted round-robin state.
final class SplitState {
    let config: TrafficSplitConfig
    let backends: [ServiceState]
    /// The split's matches as one rule: a request fitting any of them is split; others go to the root service.
    /// Nil when the split has no matches (every request is split).
    let matches: RouteTable?
    /// `pinnedRoutes` whose service is known, one rule each, checked before the weights.
    let pinned: RouteTable?
    let pinnedServices: [ServiceState]
    /// HTTPRoute rules, when the split came from one: they decide instead of `matches` and the weights.
    let rules: SplitRules?
    /// A rollout's mirror routes (`mirrorRoutes` whose service is known), one rule each; nil without any.
    let mirrors: RouteTable?
    let mirrorTargets: [(service: ServiceState, percentage: Double)]
    /// A rollout's session affinity over `backends` (`SplitState+Affinity.swift`); nil without.
    let affinity: SessionAffinity?
    /// Why the split cannot be used (a backend service is not defined); its root's requests then get 503.
    let degraded: String?
    private var chooser: SmoothWeightedRoundRobin

    /// A split over `backends`, or, with `degraded`, one that answers every request of its root with 503.
    init(config: TrafficSplitConfig, backends: [ServiceState], degraded: String? = nil,
         allServices: [String: ServiceState] = [:]) {
        self.config = config
        self.backends = backends
        self.degraded = degraded
        let matches = config.matches.compactMap(Self.compile)
        self.matches = matches.isEmpty ? nil : RouteTable(rules: [RouteTable.Rule(matches: matches)])
        var rules: [RouteTable.Rule] = []
        var services: [ServiceState] = []
        for route in config.pinnedRoutes {
            guard let service = backends.first(where: { $0.name == route.service }), let match = Self.compile(route.match)
            else { continue }
            rules.append(RouteTable.Rule(matches: [match]))
            services.append(service)
        }
        self.pinned = rules.isEmpty ? nil : RouteTable(rules: rules)
        self.pinnedServices = services
        self.chooser = SmoothWeightedRoundRobin(weights: config.backends.map(\.weight))
        self.rules = SplitRules(config.rules, services: backends, mirrors: { allServices[$0] })
        var mirrorRules: [RouteTable.Rule] = []
        var mirrorTargets: [(service: ServiceState, percentage: Double)] = []
        for route in config.mirrorRoutes {
            guard let service = allServices[route.service], let match = Self.compile(route.match) else { continue }
            mirrorRules.append(RouteTable.Rule(matches: [match]))
            mirrorTargets.append((service, route.percentage))
        }
        self.mirrors = mirrorRules.isEmpty ? nil : RouteTable(rules: mirrorRules)
        self.affinity = Self.affinity(config, backends: backends)
        self.mirrorTargets = mirrorTargets
    }

    private static func compile(_ match: RouteMatch) -> HTTPRouteMatch? { HTTPRouteMatch.compiled(match) }

    /// `options` with the first fitting mirror route's copy added (Argo's `setMirrorRoute`); a rule's own
    /// `RequestMirror` comes first. Unchanged when no mirror route fits.
    func mirroring(_ request: RequestFacts, _ options: SplitRules.Options?) -> SplitRules.Options? {
        guard let mirrors, options?.mirror == nil,
              let index = mirrors.route(method: request.method, path: request.path, header: request.header)
        else { return options }
        return .mirroring(options, to: mirrorTargets[index].service, percentage: mirrorTargets[index].percentage)
    }

    /// The backend for the next request. A backend with no endpoint that can take a request now (none ready yet,
    /// all ejected or failing health checks: a canary whose one replica restarts) is passed over and its share goes
    /// to the others, rather than answering its share with 503 — the split's weights are a preference, the
    /// request is the user's. When every backend is in that state the weights pick one and it answers 503.
    func nextBackend(now: UInt64) -> ServiceState? {
        guard let index = chooser.pick() else { return nil }
        if backends[index].canServe(now: now) { return backends[index] }
        var cannotServe = EndpointSet(index)
        for (other, backend) in backends.enumerated() where other != index && !backend.canServe(now: now) {
            cannotServe.insert(other)
        }
        guard let fallback = chooser.pick(excluding: cannotServe) else { return backends[index] }
        return backends[fallback]
    }
}
