import Foundation
import Manifests
import SidecarConfig

/// HTTPRoutes compiled into the sidecar's one routing model: for each parent (`RouteParent`: a Service, or a host of
/// a Gateway listener) one split whose `rules` are the (rule, match) pairs of every route attached there, in
/// Gateway API's precedence order across routes, each with the rule's weighted backends and timeouts, and whose
/// `backends` list every Service the rules name (so degraded-route checks and pinned routes work as for any split).
enum HTTPRouteTranslation {
    /// One parent's merged split. `overrides` are rollouts' weights by split name (`httproute/ROUTE`), then
    /// service: they replace the weights of every rule of that route that names each of those services (Argo's
    /// Gateway API plugin moves the rule holding both stable and canary). `pinned` routes (a rollout's header routes
    /// or blue-green preview) come before the rules. `rateLimits`: the RateLimits there are, by name.
    static func split(_ parent: RouteParent, rateLimits: [String: Service.RateLimit] = [:],
                      overrides: [String: [String: Int]] = [:], pinned: [PinnedRoute] = []) -> TrafficSplitConfig {
        var entries: [(key: PrecedenceKey, rule: SplitRule)] = []
        var services: [String] = []
        for (routeRank, member) in parent.members.enumerated() {
            let route = member.route
            for (ruleIndex, rule) in route.spec.rules.enumerated() {
                let names = Set(rule.backendRefs.map(\.name))
                let moved = overrides["httproute/\(route.metadata.name)"].flatMap { $0.keys.allSatisfy(names.contains) ? $0 : nil }
                let backends = rule.backendRefs.map {
                    TrafficSplitConfig.Backend(service: $0.name, weight: moved?[$0.name] ?? $0.weight)
                }
                for backend in rule.backendRefs where !services.contains(backend.name) { services.append(backend.name) }
                let label = "httproute/\(route.metadata.name) rules[\(ruleIndex)]"
                let matches: [HTTPRoute.Match?] = rule.matches.isEmpty ? [nil] : rule.matches
                for (matchIndex, match) in matches.enumerated() {
                    let compiled = match.map { routeMatch($0, name: "\(label) matches[\(matchIndex)]") }
                    let key = PrecedenceKey(match, host: member.host, route: routeRank, rule: ruleIndex, match: matchIndex)
                    entries.append((key, SplitRule(
                        name: match == nil ? label : "\(label) matches[\(matchIndex)]", match: compiled,
                        backends: backends, timeout: rule.timeouts?.request,
                        perTryTimeout: rule.timeouts?.backendRequest,
                        mirror: rule.mirror.map { .init(service: $0.service, percentage: $0.percentage) },
                        filters: filters(rule.filters, match: match, rateLimits: rateLimits))))
                }
            }
        }
        return TrafficSplitConfig(
            name: parent.splitName, rootService: parent.root, backends: services.map { .init(service: $0, weight: 1) },
            pinnedRoutes: pinned, rules: entries.sorted { $0.key < $1.key }.map(\.rule))
    }

    /// A Gateway API match as whole-value regexes: Exact paths and values literally, a PathPrefix on path-element
    /// boundaries (`/api` takes `/api` and `/api/x`, not `/apix`; a trailing `/` is ignored).
    static func routeMatch(_ match: HTTPRoute.Match, name: String) -> RouteMatch {
        let path: String
        switch match.path.type {
        case .exact: path = PreviewRouting.escaped(match.path.value)
        case .regularExpression: path = match.path.value
        case .pathPrefix:
            var prefix = match.path.value
            while prefix.count > 1 && prefix.hasSuffix("/") { prefix.removeLast() }
            path = prefix == "/" ? "/.*" : "\(PreviewRouting.escaped(prefix))(/.*)?"
        }
        func patterns(_ values: [HTTPRoute.ValueMatch]) -> [String: String] {
            var result: [String: String] = [:]
            // Gateway API: of two conditions on one name, the first counts.
            for value in values where result[value.name] == nil {
                result[value.name] = value.type == .exact ? PreviewRouting.escaped(value.value) : value.value
            }
            return result
        }
        return RouteMatch(name: name, pathRegex: path, methods: match.method.map { [$0] } ?? [],
                          headers: patterns(match.headers), queryParams: patterns(match.queryParams))
    }

    /// Gateway API's order between matches, across every route of a parent: for ingress the route's matching host
    /// (exact, then the longer wildcard, then any), then an Exact path, then the longest PathPrefix
    /// (RegularExpression after both: its precedence is the implementation's), then a method, then the most header
    /// matches, then the most query matches; then the older route (then `{namespace}/{name}`: the member's rank),
    /// then rule order, then match order.
    struct PrecedenceKey: Comparable {
        var parts: [Int]

        init(_ match: HTTPRoute.Match?, host: [Int] = [], route: Int = 0, rule: Int, match index: Int) {
            let path = match?.path ?? HTTPRoute.PathMatch()
            let kind = switch path.type { case .exact: 0; case .pathPrefix: 1; case .regularExpression: 2 }
            parts = host + [kind, path.type == .pathPrefix ? -path.value.count : 0, match?.method == nil ? 1 : 0,
                            -(match?.headers.count ?? 0), -(match?.queryParams.count ?? 0), route, rule, index]
        }

        static func < (lhs: Self, rhs: Self) -> Bool { lhs.parts.lexicographicallyPrecedes(rhs.parts) }
    }
}
