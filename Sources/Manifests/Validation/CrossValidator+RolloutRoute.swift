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
    }
}
