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
        var index = Dictionary(result.indices.map { (result[$0].name, $0) }, uniquingKeysWith: { first, _ in first })
        for service in services ?? [] {
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
    public func endpointsLeaving(_ running: SidecarConfiguration) -> [(service: String, address: HostPort)] {
        guard changesServices else { return [] }
        let gone = Set(removedServices ?? [])
        var kept: [String: Set<HostPort>] = [:]
        for service in services ?? [] { kept[service.name] = Set(service.endpoints.compactMap(HostPort.init(parsing:))) }
        var leaving: [(service: String, address: HostPort)] = []
        for service in running.services where gone.contains(service.name) || kept[service.name] != nil {
            for address in service.endpoints.compactMap(HostPort.init(parsing:))
            where !(kept[service.name]?.contains(address) ?? false) {
                leaving.append((service.name, address))
            }
        }
        return leaving
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
        let runningNames = Set(running.services.map(\.name))
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

    /// Checks everything the patch brings, at once: the patched tables as any configuration's (`tables`), and what
    /// only the running configuration can tell (`problems(applyingTo:)`).
    public func validate(against running: SidecarConfiguration) throws(ConfigError) {
        var problems: [ConfigError.Problem] = []
        do { try tables.validate() } catch { problems = error.problems }
        problems += self.problems(applyingTo: running)
        if !problems.isEmpty { throw ConfigError(problems: problems) }
    }

    /// The patched tables alone, as a configuration to validate: what a patch brings is checked as a whole
    /// configuration's would be (its paths are the patch body's: `services[0].endpoints[1]`), and nothing else is
    /// checked again (it was valid when applied).
    public var tables: SidecarConfiguration {
        SidecarConfiguration(version: version, listeners: [], services: services ?? [], splits: splits ?? [],
                             retryPolicies: retryPolicies ?? [])
    }
}
