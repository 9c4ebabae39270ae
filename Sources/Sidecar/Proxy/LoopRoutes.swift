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
    let listeners: [String: Listener]
    let requestTimeoutNanos: UInt64
    let limits: ProxyLimits
    let parserLimits: HTTPHeadParser.Limits
    let headerTimeoutNanos: UInt64
    let idleTimeoutNanos: UInt64

    init(
        config: SidecarConfiguration, services: [String: ServiceState], splits: [String: SplitState]
    ) {
        self.config = config
        self.services = services
        var hosts: [String: ServiceState] = [:]
        for service in services.values {
            hosts[service.name.lowercased()] = service
            for alias in service.config.hosts { hosts[alias.lowercased()] = service }
        }
        self.hosts = hosts
        self.splits = splits
        self.listeners = Dictionary(config.listeners.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.requestTimeoutNanos = config.defaultRequestTimeout.map { UInt64($0.nanoseconds) } ?? 0
        self.limits = config.limits
        self.parserLimits = HTTPHeadParser.Limits(
            maxStartLine: config.limits.maxRequestLineBytes, maxHeadSize: config.limits.maxHeaderBytes,
            maxFields: config.limits.maxHeaderCount)
        self.headerTimeoutNanos = UInt64(config.limits.headerTimeout.nanoseconds)
        self.idleTimeoutNanos = UInt64(config.limits.idleTimeout.nanoseconds)
    }

    /// How a listener's requests find their service; `.fixed` needs no look at the request at all.
    func route(forListener name: String) -> ListenerRoute {
        guard let listener = listeners[name] else { return .none }
        switch listener.kind {
        case .inbound, .outbound:
            guard let serviceName = listener.service else { return .perRequest }
            guard let service = services[serviceName] else { return .none }
            return splits[serviceName] == nil ? .fixed(service) : .perRequest
        case .gateway:
            return .perRequest
        }
    }
}

/// A listener's routing, resolved once per configuration.
enum ListenerRoute {
    case none
    case fixed(ServiceState)
    case perRequest
}

/// A TrafficSplit on one loop: compiled matches and the smooth weighted round-robin state.
final class SplitState {
    let config: TrafficSplitConfig
    let backends: [ServiceState]
    let matches: [CompiledMatch]
    /// `pinnedRoutes` whose service is known, checked before the weights.
    let pinned: [(match: CompiledMatch, service: ServiceState)]
    private var chooser: SmoothWeightedRoundRobin

    init(config: TrafficSplitConfig, backends: [ServiceState]) {
        self.config = config
        self.backends = backends
        self.matches = config.matches.map(CompiledMatch.init)
        self.pinned = config.pinnedRoutes.compactMap { route in
            backends.first { $0.name == route.service }.map { (CompiledMatch(route.match), $0) }
        }
        self.chooser = SmoothWeightedRoundRobin(weights: config.backends.map(\.weight))
    }

    func nextBackend() -> ServiceState? {
        guard let index = chooser.pick() else { return nil }
        return backends[index]
    }
}

/// An HTTPRouteGroup match with its regexes compiled once.
struct CompiledMatch {
    let path: Regex<AnyRegexOutput>?
    let methods: Set<String>
    let headers: [(name: String, regex: Regex<AnyRegexOutput>)]

    init(_ match: RouteMatch) {
        self.path = match.pathRegex.flatMap { try? Regex($0) }
        self.methods = Set(match.methods.filter { $0 != "*" }.map { $0.uppercased() })
        self.headers = match.headers.sorted { $0.key < $1.key }.compactMap { name, pattern in
            (try? Regex(pattern)).map { (name.lowercased(), $0) }
        }
    }

    func matches(_ request: RequestFacts) -> Bool {
        if !methods.isEmpty && !methods.contains(request.method) { return false }
        if let path, (try? path.wholeMatch(in: request.path)) == nil { return false }
        for (name, regex) in headers {
            guard let value = request.header(name), (try? regex.wholeMatch(in: value)) != nil else { return false }
        }
        return true
    }
}

