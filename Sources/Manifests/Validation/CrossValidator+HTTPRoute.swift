extension CrossValidator {
    /// Parent Service → the first HTTPRoute that routes it (several may: Gateway API merges their rules, see
    /// `RouteParent`); a parent that is also a TrafficSplit's root is an error at the route's `parentRefs` (one or
    /// the other, never both: a split's backends and a route's rules cannot both decide).
    mutating func indexRouteParents(splitRoots: [String: (TrafficSplit, ObjectSource)]) -> [String: (HTTPRoute, ObjectSource)] {
        var parents: [String: (HTTPRoute, ObjectSource)] = [:]
        for loaded in objects {
            guard case .httpRoute(let route) = loaded.object else { continue }
            for (index, parent) in route.spec.parentRefs.enumerated() where !parent.isGateway(among: gatewayNames) {
                if let (split, source) = splitRoots[parent.name] {
                    error(loaded, "spec.parentRefs[\(index)].name",
                          "service \"\(parent.name)\" is already routed by TrafficSplit \"\(split.metadata.name)\" (\(location(source))); use an HTTPRoute or a TrafficSplit, not both")
                } else if parents[parent.name] == nil {
                    parents[parent.name] = (route, loaded.source)
                }
            }
        }
        return parents
    }

    /// Every Service the route names exists; a backend is neither the route's parent (it would route to itself)
    /// nor the root of another split or route (routes do not nest, so they cannot loop).
    mutating func check(_ route: HTTPRoute, _ source: LoadedObject, splitRoots: [String: (TrafficSplit, ObjectSource)],
                        routeParents: [String: (HTTPRoute, ObjectSource)]) {
        let gatewayNames = gatewayNames
        let parents = Set(route.spec.parentRefs.filter { !$0.isGateway(among: gatewayNames) }.map(\.name))
        for (index, parent) in route.spec.parentRefs.enumerated() {
            if parent.isGateway(among: gatewayNames) {
                checkGatewayParent(parent, index: index, source)
            } else {
                requireService(parent.name, source, "spec.parentRefs[\(index)].name", orGateway: parent.kind == nil)
            }
        }
        for (ruleIndex, rule) in route.spec.rules.enumerated() {
            if let limit = rule.filters.rateLimit {
                let key = ObjectKey(kind: .rateLimit, name: limit)
                if !rateLimits.contains(limit), !invalid.contains(key), !removed.contains(key) {
                    error(source, "spec.rules[\(ruleIndex)].filters",
                          "RateLimit \"\(limit)\" is not defined \(scope)\(Suggestion.suffix(for: limit, in: rateLimits.sorted()))")
                }
            }
            if let mirror = rule.mirror {
                let path = "spec.rules[\(ruleIndex)].filters"
                if parents.contains(mirror.service) {
                    error(source, path, "service \"\(mirror.service)\" is this route's parent; a mirror must be another Service")
                } else {
                    requireService(mirror.service, source, path)
                }
            }
            for (index, backend) in rule.backendRefs.enumerated() {
                let path = "spec.rules[\(ruleIndex)].backendRefs[\(index)].name"
                if parents.contains(backend.name) {
                    error(source, path, "service \"\(backend.name)\" is this route's parent; a backend must be another Service")
                    continue
                }
                requireService(backend.name, source, path)
                if let (split, splitSource) = splitRoots[backend.name] {
                    error(source, path,
                          "service \"\(backend.name)\" is the root of TrafficSplit \"\(split.metadata.name)\" (\(location(splitSource))); routes do not nest")
                } else if let (other, otherSource) = routeParents[backend.name] {
                    error(source, path,
                          "service \"\(backend.name)\" is the parent of HTTPRoute \"\(other.metadata.name)\" (\(location(otherSource))); routes do not nest")
                }
            }
        }
    }
}
