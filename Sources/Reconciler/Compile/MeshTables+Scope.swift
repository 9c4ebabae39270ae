import SidecarConfig

/// What one sidecar carries of the mesh tables: everything, or — when its Service declares `spec.upstreams` — the
/// declared services, the splits rooted at them with every service those splits send to, and the retry policies
/// and faults of those services. A change to anything else (a weight, an endpoint) then leaves its configuration,
/// and its version, as they were: the operator does not push it, and the proxy does not wake up for it.
struct MeshScope: Equatable {
    var services: [ServiceConfig]
    var splits: [TrafficSplitConfig]
    var retryPolicies: [RetryPolicyConfig]
    var faults: [FaultConfig]
    /// The declared names, sorted (nil: the whole mesh); also the scope's key in the encoding memo.
    var declared: [String]?
}

extension MeshTables {
    /// The scope of a sidecar whose Service declares `upstreams` (nil: the whole mesh).
    func scope(declaring upstreams: [String]?) -> MeshScope {
        guard let upstreams else {
            return MeshScope(services: services, splits: splits, retryPolicies: retryPolicies, faults: faults,
                             declared: nil)
        }
        let declared = Set(upstreams)
        let carriedSplits = splits.filter { declared.contains($0.rootService) }
        var names = declared
        for split in carriedSplits { names.formUnion(split.referencedServices) }
        return MeshScope(services: services.filter { names.contains($0.name) },
                         splits: carriedSplits,
                         retryPolicies: retryPolicies.filter { names.contains($0.service) },
                         faults: faults.filter { names.contains($0.service) },
                         declared: declared.sorted())
    }
}

extension TrafficSplitConfig {
    /// Every service a request to the split's root may be sent to (splits do not nest: one level is all).
    var referencedServices: Set<String> {
        var names = Set(backends.map(\.service))
        names.formUnion(pinnedRoutes.map(\.service))
        names.formUnion(mirrorRoutes.map(\.service))
        for rule in rules {
            names.formUnion(rule.backends.map(\.service))
            if let mirror = rule.mirror { names.insert(mirror.service) }
        }
        return names
    }
}

extension TrafficSplitConfig {
    /// The split with every weight 0: two splits equal so send to the same services under the same rules, and
    /// so are carried by the same proxies (`MeshTables.differsInWeightsAlone`).
    var withoutWeights: TrafficSplitConfig {
        var copy = self
        for index in copy.backends.indices { copy.backends[index].weight = 0 }
        for rule in copy.rules.indices {
            for index in copy.rules[rule].backends.indices { copy.rules[rule].backends[index].weight = 0 }
        }
        return copy
    }
}
