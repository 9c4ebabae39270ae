import Manifests
import SidecarConfig

/// An HTTPRoute compiled into the sidecar's one routing model: a split of its parent Service whose `rules` are the
/// route's (rule, match) pairs in Gateway API's precedence order, each with the rule's weighted backends and
/// timeouts, and whose `backends` list every Service the rules name (so degraded-route checks and pinned routes
/// work as for any split). One split per parent.
enum HTTPRouteTranslation {
    ///
    /// `overrides` are a rollout's weights by service: they replace the weights of every rule that names each of
    /// those services (Argo's Gateway API plugin moves the rule holding both stable and canary). `pinned` routes (a
    /// rollout's header routes or blue-green preview) come before the rules.
    /// `gateways`: the names of the Gateways there are (what an unwritten parent kind names, `ParentRef.isGateway`).
    /// Gateway parents share one split, rooted at the route's ingress service (`ingressService`).
    static func splits(_ route: HTTPRoute, gateways: Set<String> = [], rateLimits: [String: Service.RateLimit] = [:],
                       overrides: [String: Int]? = nil, pinned: [PinnedRoute] = []) -> [TrafficSplitConfig] {
        var entries: [(key: PrecedenceKey, rule: SplitRule)] = []
        for (ruleIndex, rule) in route.spec.rules.enumerated() {
            let names = Set(rule.backendRefs.map(\.name))
            let moved = overrides.flatMap { $0.keys.allSatisfy(names.contains) ? $0 : nil }
            let backends = rule.backendRefs.map {
                TrafficSplitConfig.Backend(service: $0.name, weight: moved?[$0.name] ?? $0.weight)
            }
            let label = "httproute/\(route.metadata.name) rules[\(ruleIndex)]"
            let matches: [HTTPRoute.Match?] = rule.matches.isEmpty ? [nil] : rule.matches
            for (matchIndex, match) in matches.enumerated() {
                let compiled = match.map { routeMatch($0, name: "\(label) matches[\(matchIndex)]") }
                entries.append((PrecedenceKey(match, rule: ruleIndex, match: matchIndex), SplitRule(
                    name: match == nil ? label : "\(label) matches[\(matchIndex)]", match: compiled,
                    backends: backends, timeout: rule.timeouts?.request,
                    perTryTimeout: rule.timeouts?.backendRequest,
                    mirror: rule.mirror.map { .init(service: $0.service, percentage: $0.percentage) },
                    filters: filters(rule.filters, match: match, rateLimits: rateLimits))))
            }
        }
        let rules = entries.sorted { $0.key < $1.key }.map(\.rule)
        var services: [String] = []
        for rule in route.spec.rules { for backend in rule.backendRefs where !services.contains(backend.name) { services.append(backend.name) } }
        var roots = route.spec.parentRefs.filter { !$0.isGateway(among: gateways) }.map(\.name)
        if roots.count < route.spec.parentRefs.count { roots.append(ingressService(route)) }
        return roots.map { root in
            TrafficSplitConfig(
                name: "httproute/\(route.metadata.name)", rootService: root,
                backends: services.map { .init(service: $0, weight: 1) }, pinnedRoutes: pinned, rules: rules)
        }
    }

    /// The service that stands for an ingress route on the gateway's listeners: the root of the route's split. The
    /// colon keeps it apart from every DNS-label service name.
    static func ingressService(_ route: HTTPRoute) -> String { "ingress:\(route.metadata.name)" }

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

    /// Gateway API's order between matches: an Exact path, then the longest PathPrefix (RegularExpression after
    /// both), then a method, then the most header matches, then the most query matches; ties keep rule order.
    struct PrecedenceKey: Comparable {
        var parts: [Int]

        init(_ match: HTTPRoute.Match?, rule: Int, match index: Int) {
            let path = match?.path ?? HTTPRoute.PathMatch()
            let kind = switch path.type { case .exact: 0; case .pathPrefix: 1; case .regularExpression: 2 }
            parts = [kind, path.type == .pathPrefix ? -path.value.count : 0, match?.method == nil ? 1 : 0,
                     -(match?.headers.count ?? 0), -(match?.queryParams.count ?? 0), rule, index]
        }

        static func < (lhs: Self, rhs: Self) -> Bool { lhs.parts.lexicographicallyPrecedes(rhs.parts) }
    }
}
