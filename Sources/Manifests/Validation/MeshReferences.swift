/// One object naming another: the edges that whole-mesh checks and cascading deletes follow.
public struct ObjectReference: Sendable, Hashable {
    public var from: ObjectKey
    /// The field that names the target (`spec.backends[1].service`).
    public var path: String
    public var to: ObjectKey

    public init(from: ObjectKey, path: String, to: ObjectKey) {
        self.from = from
        self.path = path
        self.to = to
    }
}

/// Who refers to whom in a mesh. The one home of "what does this kind point at".
public enum MeshReferences {
    /// Every reference `object` makes, in field order.
    public static func references(of object: ManifestObject) -> [ObjectReference] {
        let from = object.key
        func service(_ path: String, _ name: String) -> ObjectReference {
            ObjectReference(from: from, path: path, to: ObjectKey(kind: .service, name: name))
        }
        switch object {
        case .service(let declaring):
            return (declaring.spec.upstreams ?? []).enumerated().map { service("spec.upstreams[\($0)]", $1) }
        case .httpRouteGroup, .gateway, .gatewayClass, .rateLimit:
            return []
        case .retryPolicy(let policy):
            return [service("spec.service", policy.spec.service)]
        case .faultInjection(let fault):
            return [service("spec.service", fault.spec.service)]
        case .authorizationPolicy(let policy):
            return [service("spec.service", policy.spec.service)]
        case .httpRoute(let route):
            var references: [ObjectReference] = []
            for (index, parent) in route.spec.parentRefs.enumerated() {
                let path = "spec.parentRefs[\(index)].name"
                // An unwritten kind may name either (`ParentRef.isGateway`): both are kept from deletion.
                if parent.kind != .gateway { references.append(service(path, parent.name)) }
                if parent.kind != .service {
                    references.append(ObjectReference(from: from, path: path, to: ObjectKey(kind: .gateway, name: parent.name)))
                }
            }
            for (ruleIndex, rule) in route.spec.rules.enumerated() {
                if let mirror = rule.mirror { references.append(service("spec.rules[\(ruleIndex)].filters", mirror.service)) }
                if let limit = rule.filters.rateLimit {
                    references.append(ObjectReference(from: from, path: "spec.rules[\(ruleIndex)].filters",
                                                      to: ObjectKey(kind: .rateLimit, name: limit)))
                }
                for (index, backend) in rule.backendRefs.enumerated() {
                    references.append(service("spec.rules[\(ruleIndex)].backendRefs[\(index)].name", backend.name))
                }
            }
            return references
        case .trafficSplit(let split):
            var references = [service("spec.service", split.spec.service)]
            for (index, backend) in split.spec.backends.enumerated() {
                references.append(service("spec.backends[\(index)].service", backend.service))
            }
            for (index, match) in split.spec.matches.enumerated() {
                references.append(ObjectReference(
                    from: from, path: "spec.matches[\(index)].name", to: ObjectKey(kind: .httpRouteGroup, name: match.name)))
            }
            return references
        case .rollout(let rollout):
            let strategy: (name: String, stable: String, new: String) =
                switch rollout.spec.strategy {
                case .canary: ("canary", "stableService", "canaryService")
                case .blueGreen: ("blueGreen", "activeService", "previewService")
                }
            return [
                ObjectReference(from: from, path: "spec.trafficSplit",
                                to: ObjectKey(kind: .trafficSplit, name: rollout.spec.trafficSplit)),
                service("spec.\(strategy.name).\(strategy.stable)", rollout.spec.stableService),
                service("spec.\(strategy.name).\(strategy.new)", rollout.spec.newService),
            ]
        }
    }

    /// The references from `objects` that point at one of `targets`, sorted by target, then referrer.
    public static func referrers(of targets: Set<ObjectKey>, in objects: [ManifestObject]) -> [ObjectReference] {
        objects.flatMap(references(of:))
            .filter { targets.contains($0.to) && !targets.contains($0.from) }
            .sorted { ($0.to, $0.from, $0.path) < ($1.to, $1.from, $1.path) }
    }

    /// What a cascading delete of `requested` removes: those objects and, transitively, every object that refers to
    /// one of them (a TrafficSplit naming a deleted Service, then the Rollout naming that split), as kubectl deletes
    /// dependents. Objects the deleted ones refer to are left alone. A Service naming another in `spec.upstreams` is
    /// a caller, not a dependent: it is never deleted with its callee (the delete is refused, naming it, instead).
    public static func cascade(_ requested: Set<ObjectKey>, in objects: [ManifestObject]) -> Set<ObjectKey> {
        let edges = objects.flatMap(references(of:)).filter { $0.from.kind != .service }
        var deleted = requested
        // Each round adds at least one object or stops: bounded by the number of objects.
        for _ in 0...objects.count {
            let next = Set(edges.filter { deleted.contains($0.to) }.map(\.from))
            guard !next.isSubset(of: deleted) else { break }
            deleted.formUnion(next)
        }
        return deleted
    }
}

extension ObjectKey: Comparable {
    public static func < (lhs: ObjectKey, rhs: ObjectKey) -> Bool {
        (lhs.kind, lhs.name) < (rhs.kind, rhs.name)
    }
}

extension ObjectKey: CustomStringConvertible {
    /// `trafficsplit/web`, as kubectl and meshctl print objects.
    public var description: String { "\(kind.rawValue.lowercased())/\(name)" }
}
