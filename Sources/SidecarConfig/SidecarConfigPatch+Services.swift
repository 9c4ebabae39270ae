/// The services part of a `SidecarConfigPatch`: what changed between two service lists, by name, and how a running
/// list is patched with it. Names identify services (validation refuses duplicates), so a registration is one
/// service's new definition, and an expiry or a scale-down too: never the other 20.
struct ServicesChange {
    /// Services that are new or differ from the old one of their name; nil: none.
    var upserted: [ServiceConfig]?
    /// Old services' names that the new list lacks; nil: none.
    var removed: [String]?
    /// The new list's names, when `SidecarConfigPatch.patchedServices` would not give its order by itself.
    var order: [String]?

    /// No service changed.
    static let none = ServicesChange()

    private init() {}

    /// Nil when a name appears twice in either list.
    init?(from old: [ServiceConfig], to new: [ServiceConfig]) {
        var oldByName: [String: ServiceConfig] = [:]
        for service in old {
            guard oldByName.updateValue(service, forKey: service.name) == nil else { return nil }
        }
        var newNames = Set<String>()
        for service in new {
            guard newNames.insert(service.name).inserted else { return nil }
        }
        let upserted = new.filter { oldByName[$0.name] != $0 }
        let removed = old.map(\.name).filter { !newNames.contains($0) }
        self.upserted = upserted.isEmpty ? nil : upserted
        self.removed = removed.isEmpty ? nil : removed
        let names = new.map(\.name)
        let implied = SidecarConfigPatch.order(of: old.map(\.name), removing: removed, upserting: upserted.map(\.name))
        self.order = names == implied ? nil : names
    }
}

extension SidecarConfigPatch {
    /// `running` with the services replaced, removed and ordered as the patch says.
    func patchedServices(_ running: [ServiceConfig]) -> [ServiceConfig] {
        let gone = Set(removedServices ?? [])
        var result = gone.isEmpty ? running : running.filter { !gone.contains($0.name) }
        let upserted = services ?? []
        if serviceOrder == nil && upserted.count <= 4 {
            // A registration or an expiry (one service): a walk of the names, not an index of the whole mesh's.
            for service in upserted {
                if let at = result.firstIndex(where: { $0.name == service.name }) { result[at] = service } else { result.append(service) }
            }
            return result
        }
        var index = Dictionary(result.indices.map { (result[$0].name, $0) }, uniquingKeysWith: { first, _ in first })
        for service in upserted {
            if let at = index[service.name] {
                result[at] = service
            } else {
                index[service.name] = result.count
                result.append(service)
            }
        }
        guard let serviceOrder else { return result }
        return serviceOrder.compactMap { index[$0].map { result[$0] } }
    }

    /// Each endpoint of `running` that the patched configuration no longer has, with its service: all of a removed
    /// service's, and those a replaced service dropped (an expiry, a replica gone). What a proxy forgets with them.
    /// Only the services the patch names are looked at (validation has made sure none is both removed and replaced).
    public func endpointsLeaving(_ running: SidecarConfiguration) -> [(service: String, address: HostPort)] {
        guard changesServices else { return [] }
        let touched = (removedServices ?? []).map { ($0, Set<HostPort>()) }
            + (services ?? []).map { ($0.name, Set($0.endpoints.compactMap(HostPort.init(parsing:)))) }
        // In the running configuration's order, as its services come.
        let found = touched.compactMap { name, kept in
            running.services.firstIndex { $0.name == name }.map { (at: $0, kept: kept) }
        }.sorted { $0.at < $1.at }
        var leaving: [(service: String, address: HostPort)] = []
        for (at, kept) in found {
            let service = running.services[at]
            for address in service.endpoints.compactMap(HostPort.init(parsing:)) where !kept.contains(address) {
                leaving.append((service.name, address))
            }
        }
        return leaving
    }

    /// What a proxy must compile again to run `patched` (this patch applied to `running`): the services the patch
    /// brings, those whose retry policy it changes (a policy is compiled into its service), and the removed ones.
    /// Every other service is as it was, and is not looked at.
    public func servicesToCompile(running: SidecarConfiguration, patched: SidecarConfiguration)
        -> (upserted: [ServiceConfig], removed: [String])
    {
        var upserted = services ?? []
        if let retryPolicies, retryPolicies != running.retryPolicies {
            var changed = Set<String>()
            let old = Dictionary(running.retryPolicies.map { ($0.service, $0) }, uniquingKeysWith: { first, _ in first })
            let new = Dictionary(retryPolicies.map { ($0.service, $0) }, uniquingKeysWith: { first, _ in first })
            for name in Set(old.keys).union(new.keys) where old[name] != new[name] { changed.insert(name) }
            for name in upserted.map(\.name) { changed.remove(name) }
            upserted += patched.services.filter { changed.contains($0.name) }
        }
        return (upserted, removedServices ?? [])
    }

    /// The names in the order `patchedServices` gives without `serviceOrder`: the running ones in place (less the
    /// removed), then the added ones in the patch's order.
    static func order(of running: [String], removing removed: [String], upserting upserted: [String]) -> [String] {
        let gone = Set(removed)
        var names = running.filter { !gone.contains($0) }
        var known = Set(names)
        for name in upserted where known.insert(name).inserted { names.append(name) }
        return names
    }

    /// What the patch's own fields cannot say alone, checked against the configuration it would change: a service
    /// both replaced and removed, a removal of a service that is not there, an order that does not name every
    /// patched service once. The patched services themselves are checked as any configuration's are (`validate`).
    public func problems(applyingTo running: SidecarConfiguration) -> [ConfigError.Problem] {
        var problems: [ConfigError.Problem] = []
        let upserted = Set((services ?? []).map(\.name))
        // Only a removal needs the running names: a weight change must not hash the whole mesh's.
        let runningNames = removedServices == nil ? [] : Set(running.services.map(\.name))
        for (i, name) in (removedServices ?? []).enumerated() {
            if upserted.contains(name) {
                problems.append(.init(path: "removedServices[\(i)]", message: "\"\(name)\" is also in services: replace it or remove it"))
            } else if !runningNames.contains(name) {
                problems.append(.init(path: "removedServices[\(i)]", message: "no service \"\(name)\" in version \(base)"))
            }
        }
        if let serviceOrder {
            let patched = Self.order(of: running.services.map(\.name), removing: removedServices ?? [],
                                     upserting: (services ?? []).map(\.name))
            if serviceOrder.count != patched.count || Set(serviceOrder) != Set(patched) {
                problems.append(.init(path: "serviceOrder", message: "must name each of the \(patched.count) services "
                    + "of the patched configuration once, got \(serviceOrder.count) names"))
            }
        }
        return problems
    }

    /// Checks everything the patch brings, at once: the patched tables as any configuration's are (their paths are
    /// the patch body's: `services[0].endpoints[1]`), and what only the running configuration can tell
    /// (`problems(applyingTo:)`). Nothing else is checked again: it did not change, and was valid when applied.
    public func validate(against running: SidecarConfiguration) throws(ConfigError) {
        var problems = SidecarConfiguration.problems(
            version: version, services: services ?? [], splits: splits ?? [], retryPolicies: retryPolicies ?? [], rest: nil)
        problems += self.problems(applyingTo: running)
        if !problems.isEmpty { throw ConfigError(problems: problems) }
    }
}
