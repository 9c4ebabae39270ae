extension CrossValidator {
    /// A Rollout naming an HTTPRoute: the route exists, and at least one of its rules names both the stable and the
    /// new service among its backendRefs (the rule whose weights the rollout moves, as Argo's Gateway API plugin).
    mutating func checkRolloutRoute(_ rollout: Rollout, route name: String, _ source: LoadedObject) {
        let routes = objects.compactMap { $0.object.httpRoute }
        guard let route = routes.first(where: { $0.metadata.name == name }) else {
            let key = ObjectKey(kind: .httpRoute, name: name)
            if invalid.contains(key) || removed.contains(key) { return }
            let suggestion = Suggestion.suffix(for: name, in: routes.map(\.metadata.name).sorted())
            error(source, "spec.httpRoute", "HTTPRoute \"\(name)\" is not defined \(scope)\(suggestion)")
            return
        }
        let (strategy, newKey): (String, String) =
            switch rollout.spec.strategy {
            case .canary: ("canary", "canaryService")
            case .blueGreen: ("blueGreen", "previewService")
            }
        let both = route.spec.rules.contains { rule in
            let names = rule.backendRefs.map(\.name)
            return names.contains(rollout.spec.stableService) && names.contains(rollout.spec.newService)
        }
        if !both {
            error(source, "spec.\(strategy).\(newKey)",
                  "no rule of HTTPRoute \"\(name)\" has both \"\(rollout.spec.stableService)\" and \"\(rollout.spec.newService)\" among its backendRefs: the rollout would have no weights to move")
        }
        if rollout.spec.stableService == rollout.spec.newService {
            error(source, "spec.\(strategy).\(newKey)", "must differ from the stable service")
        }
        checkRouteAlone(route, source)
    }

    /// A rollout's header routes, mirror routes and session affinity act on every request of the route's parent, and
    /// its weights are confirmed on the parent's one split: the route it moves must be the only one merged at each of
    /// its parents (a Service, a host of a Gateway listener), or it would take over the other routes' requests.
    private mutating func checkRouteAlone(_ route: HTTPRoute, _ source: LoadedObject) {
        let routes = objects.compactMap { $0.object.httpRoute }
        let parents = RouteParent.parents(routes, gateways: gateways.values.map(\.0))
        for parent in parents where parent.members.count > 1 && parent.members.contains(where: { $0.route == route }) {
            let others = parent.members.map(\.route.metadata.name).filter { $0 != route.metadata.name }
            let place = parent.ingress.map { "host \($0.host ?? "*") of port \($0.port)" } ?? "service \"\(parent.root)\""
            error(source, "spec.httpRoute",
                  "HTTPRoute \"\(route.metadata.name)\" shares \(place) with HTTPRoute \(others.map { "\"\($0)\"" }.joined(separator: ", ")); a rollout's header, mirror and session-affinity routes would act on their requests too, so it needs a route that is its parent's only one")
            return
        }
    }
}
