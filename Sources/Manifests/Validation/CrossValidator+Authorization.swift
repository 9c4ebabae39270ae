extension CrossValidator {
    /// Only a replica's inbound sidecar enforces a policy, so whoever answers for the target must run replicas:
    /// the target itself, or, for the root of a TrafficSplit or the parent of an HTTPRoute, each of its backends
    /// (`AuthorizationPolicy.enforcingServices`).
    mutating func check(_ policy: AuthorizationPolicy, _ loaded: LoadedObject) {
        let target = policy.spec.service
        guard let (service, _) = services[target] else { return }  // an unknown target is reported by requireService
        var splits: [TrafficSplit] = []
        var routes: [HTTPRoute] = []
        for object in objects {
            switch object.object {
            case .trafficSplit(let split): splits.append(split)
            case .httpRoute(let route): routes.append(route)
            default: break
            }
        }
        let backends = AuthorizationPolicy.enforcingServices(for: target, splits: splits, routes: routes).dropFirst()
        guard !backends.isEmpty else {
            if service.spec.workload.commandValue == nil {
                error(loaded, "spec.service",
                      "service \"\(target)\" runs no replicas of its own (no command) and is neither the root of a TrafficSplit nor the parent of an HTTPRoute, so no sidecar would enforce this policy")
            }
            return
        }
        for backend in backends {
            guard let (served, _) = services[backend], served.spec.workload.commandValue == nil else { continue }
            error(loaded, "spec.service",
                  "service \"\(target)\" sends requests to \"\(backend)\", which runs no replicas of its own (no command), so no sidecar would enforce this policy there")
        }
    }
}
