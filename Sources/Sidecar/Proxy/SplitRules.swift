import SidecarConfig
import TrafficPolicy

/// A split's HTTPRoute rules on one loop (`TrafficSplitConfig.rules`): one `RouteTable` rule per configured rule,
/// in the order the reconciler gave (Gateway API precedence), each with its backends, weights and timeouts.
final class SplitRules {
    /// Per-rule deadlines in nanoseconds, for the request's retry policy (nil: the service's own).
    struct Timeouts {
        var timeout: UInt64?
        var perTryTimeout: UInt64?
    }

    let table: RouteTable
    private let backends: [[ServiceState]]
    private var choosers: [SmoothWeightedRoundRobin]
    let timeouts: [Timeouts?]

    /// Nil when `rules` is empty. `services` are the split's backends; a rule naming another is dropped (the
    /// split degrades before it gets here: `LoopContext` checks every backend).
    init?(_ rules: [SplitRule], services: [ServiceState]) {
        guard !rules.isEmpty else { return nil }
        var tableRules: [RouteTable.Rule] = []
        var backends: [[ServiceState]] = []
        var choosers: [SmoothWeightedRoundRobin] = []
        var timeouts: [Timeouts?] = []
        for rule in rules {
            let match = rule.match.map(HTTPRouteMatch.compiled) ?? (try? HTTPRouteMatch())
            let resolved = rule.backends.compactMap { backend in services.first { $0.name == backend.service } }
            guard let match, resolved.count == rule.backends.count else { continue }
            tableRules.append(RouteTable.Rule(matches: [match]))
            backends.append(resolved)
            choosers.append(SmoothWeightedRoundRobin(weights: rule.backends.map(\.weight)))
            let limits = Timeouts(timeout: rule.timeout?.clampedNanoseconds, perTryTimeout: rule.perTryTimeout?.clampedNanoseconds)
            timeouts.append(limits.timeout == nil && limits.perTryTimeout == nil ? nil : limits)
        }
        self.table = RouteTable(rules: tableRules)
        self.backends = backends
        self.choosers = choosers
        self.timeouts = timeouts
    }

    /// The rule a request fits (first in order), or nil: no rule fits (404 `no-route`, Gateway API).
    func rule(for request: RequestFacts) -> Int? {
        table.route(method: request.method, path: request.pathAndQuery, header: request.header)
    }

    /// The rule's backend for the next request, by its weights; one that cannot serve now gives its share to the
    /// others (as `SplitState.nextBackend`).
    func nextBackend(rule index: Int, now: UInt64) -> ServiceState? {
        guard let pick = choosers[index].pick() else { return nil }
        let candidates = backends[index]
        if candidates[pick].canServe(now: now) { return candidates[pick] }
        var cannotServe = EndpointSet(pick)
        for (other, backend) in candidates.enumerated() where other != pick && !backend.canServe(now: now) {
            cannotServe.insert(other)
        }
        guard let fallback = choosers[index].pick(excluding: cannotServe) else { return candidates[pick] }
        return candidates[fallback]
    }
}
