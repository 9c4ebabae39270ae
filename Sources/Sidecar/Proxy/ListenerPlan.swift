import SidecarConfig
import TrafficPolicy

/// Everything about a listener's requests that depends only on the configuration, resolved once per configuration
/// (`LoopRoutes.plans`) so a request pays one branch for each feature it does not use: how requests find their
/// service, and whether authorization, injected faults and rate limits apply here at all.
final class ListenerPlan {
    let route: ListenerRoute
    /// The service of a `.fixed` route, nil for the others: what nearly every request asks, read without matching
    /// `route` (each match copied the enum, with a retain: three outlined copies a request, callgrind session 17).
    let fixedService: ServiceState?
    /// An inbound listener: it enforces its service's rate limit, and applies no injected fault.
    let isInbound: Bool
    /// The listener's AuthorizationPolicies; nil when it has none (everything is allowed).
    let authorization: Authorization?
    /// Injected faults can apply: the configuration has some and this is a caller-side listener (outbound,
    /// gateway), as Istio's client-side sidecar injects them; an inbound listener never does, so a fault is
    /// injected once per request however many hops it takes.
    let appliesFaults: Bool

    /// The plan of a listener the configuration does not name: no route.
    /// Immutable, and holds no service: safe to share between loops.
    nonisolated(unsafe) static let unknown = ListenerPlan(route: .none, isInbound: false, authorization: nil, appliesFaults: false)

    init(route: ListenerRoute, isInbound: Bool, authorization: Authorization?, appliesFaults: Bool) {
        self.route = route
        if case .fixed(let service) = route { fixedService = service } else { fixedService = nil }
        self.isInbound = isInbound
        self.authorization = authorization
        self.appliesFaults = appliesFaults
    }

    /// Every listener's plan for one compiled configuration.
    static func compile(_ routes: LoopRoutes) -> [String: ListenerPlan] {
        var plans: [String: ListenerPlan] = [:]
        for (name, listener) in routes.listeners {
            plans[name] = ListenerPlan(
                route: routes.route(forListener: name), isInbound: listener.kind == .inbound,
                authorization: routes.authorization[name],
                appliesFaults: !routes.faults.isEmpty && listener.kind != .inbound)
        }
        return plans
    }
}

/// A listener's routing, resolved once per configuration.
enum ListenerRoute {
    case none
    case fixed(ServiceState)
    case perRequest
    /// The listener's service is not defined: every request gets 503 with this detail.
    case degraded(String)
}
