import SidecarConfig
import TrafficPolicy

/// A split's HTTPRoute rules on one loop (`TrafficSplitConfig.rules`): one `RouteTable` rule per configured rule,
/// in the order the reconciler gave (Gateway API precedence), each with its backends, weights and timeouts.
final class SplitRules {
    /// What a rule adds to its requests: deadlines in nanoseconds for the request's retry policy (nil: the
    /// service's own), and a mirror service with the percentage of requests copied to it.
    ///
    /// A class, not a struct: every request's `LoopContext.RouteDecision` carries one, nil or not, and as a struct
    /// (~280 bytes with its filters) it made the decision ~300 bytes, copied with `memcpy` and outlined value
    /// witnesses several times per request even when nil (session 16's profile of `beginRequest`). A reference is
    /// one word. Immutable: a request that needs other options (a mirror route, an affinity pin) gets a new one.
    final class Options {
        let timeout: UInt64?
        let perTryTimeout: UInt64?
        let mirror: ServiceState?
        let mirrorPercentage: Double
        /// Header modifiers, URL rewrite, redirect (DownstreamHandler+RouteFilters.swift).
        let filters: RouteFilters?
        /// The rule's token bucket (an ExtensionRef RateLimit), shared by the rule's requests on this loop.
        let limiter: RuleLimiter?

        init(
            timeout: UInt64? = nil, perTryTimeout: UInt64? = nil, mirror: ServiceState? = nil,
            mirrorPercentage: Double = 0, filters: RouteFilters? = nil, limiter: RuleLimiter? = nil
        ) {
            self.timeout = timeout
            self.perTryTimeout = perTryTimeout
            self.mirror = mirror
            self.mirrorPercentage = mirrorPercentage
            self.filters = filters
            self.limiter = limiter
        }

        /// `options` (or none) with its mirror replaced.
        static func mirroring(_ options: Options?, to mirror: ServiceState?, percentage: Double) -> Options {
            Options(timeout: options?.timeout, perTryTimeout: options?.perTryTimeout, mirror: mirror,
                    mirrorPercentage: percentage, filters: options?.filters, limiter: options?.limiter)
        }

        /// `options` (or none) with its filters replaced.
        static func filtering(_ options: Options?, with filters: RouteFilters?) -> Options {
            Options(timeout: options?.timeout, perTryTimeout: options?.perTryTimeout, mirror: options?.mirror,
                    mirrorPercentage: options?.mirrorPercentage ?? 0, filters: filters, limiter: options?.limiter)
        }
    }

    /// A rule's token bucket on one loop: a class, so every request the rule routes takes from the same one.
    final class RuleLimiter {
        var bucket: TokenBucket?

        init(_ config: RateLimitConfig) {
            bucket = TokenBucket(requestsPerSecond: config.requestsPerSecond, burst: config.burst)
        }
    }

    let table: RouteTable
    private let backends: [[ServiceState]]
    private var choosers: [SmoothWeightedRoundRobin]
    let options: [Options?]

    /// Nil when `rules` is empty. `services` are the split's backends; a rule naming another is dropped (the
    /// split degrades before it gets here: `LoopContext` checks every backend). `mirrors` resolves a mirror
    /// service by name (nil: not defined, the rule mirrors nothing).
    init?(_ rules: [SplitRule], services: [ServiceState], mirrors: (String) -> ServiceState?) {
        guard !rules.isEmpty else { return nil }
        var tableRules: [RouteTable.Rule] = []
        var backends: [[ServiceState]] = []
        var choosers: [SmoothWeightedRoundRobin] = []
        var options: [Options?] = []
        for rule in rules {
            let match = rule.match.map(HTTPRouteMatch.compiled) ?? (try? HTTPRouteMatch())
            let resolved = rule.backends.compactMap { backend in services.first { $0.name == backend.service } }
            guard let match, resolved.count == rule.backends.count else { continue }
            tableRules.append(RouteTable.Rule(matches: [match]))
            backends.append(resolved)
            choosers.append(SmoothWeightedRoundRobin(weights: rule.backends.map(\.weight)))
            let mirror = rule.mirror.flatMap { mirrors($0.service) }
            let ruleOptions = Options(
                timeout: rule.timeout?.clampedNanoseconds, perTryTimeout: rule.perTryTimeout?.clampedNanoseconds,
                mirror: mirror, mirrorPercentage: rule.mirror?.percentage ?? 0, filters: rule.filters,
                limiter: rule.filters?.rateLimit.map(RuleLimiter.init))
            let plain = ruleOptions.timeout == nil && ruleOptions.perTryTimeout == nil && mirror == nil && rule.filters == nil
            options.append(plain ? nil : ruleOptions)
        }
        self.table = RouteTable(rules: tableRules)
        self.backends = backends
        self.choosers = choosers
        self.options = options
    }

    /// The backends a rule shares its requests among.
    func backends(rule index: Int) -> [ServiceState] { backends[index] }

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
