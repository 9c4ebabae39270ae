import NIOCore
import SidecarConfig

extension LoopContext {
    /// Swaps in `config`, which differs from the running one only in its splits, its retry policies and the
    /// services named here (`upserted` replace or add services, `removed` are gone): what a `PATCH /config` of
    /// services brings. Only those services are looked at; every other service keeps its compiled state, its
    /// endpoints (with their connections and health checks), its pool and its host entries, and the splits are
    /// compiled again over the result (they are few, and a split's backends may be what changed).
    ///
    /// Gives the routes `apply(config)` gives (Tests/SidecarTests/IncrementalPatchTests.swift); that one walks every
    /// service of the mesh, compares it with the running one and rebuilds the endpoint, pool and host tables, which
    /// at 100 services was most of what a proxy spent on a one-service change (bench/proxy/patch-cost.sh).
    func apply(_ config: SidecarConfiguration, upserting upserted: [ServiceConfig], removing removed: [String]) {
        eventLoop.assertInEventLoop()
        let previous = routes
        var services = previous.services
        var hosts = previous.hosts
        var left: [(key: String, endpoint: EndpointState)] = []
        var vacated: [String] = []
        /// `old` leaves the host table, and those of its endpoints that `successor` does not keep leave with it.
        func retire(_ old: ServiceState, for successor: ServiceState?) {
            for key in LoopRoutes.hostKeys(old.config) where hosts[key] === old {
                hosts[key] = nil
                vacated.append(key)
            }
            for endpoint in old.endpoints where !(successor?.endpoints.contains { $0 === endpoint } ?? false) {
                left.append((Self.endpointKey(old.name, endpoint.address), endpoint))
            }
        }
        for name in removed {
            servicesExamined += 1
            guard let old = services.removeValue(forKey: name) else { continue }
            retire(old, for: nil)
            pools[name] = nil
        }
        for service in upserted {
            servicesExamined += 1
            let policy = config.retryPolicies.first { $0.service == service.name }
            let old = services[service.name]
            if let old, old.config == service, old.policyConfig == policy { continue }
            let pool = pools[service.name] ?? ServicePool(count: connectionCounts.count(for: service.name))
            pools[service.name] = pool
            let compiled = compileService(
                service, policy: policy, pool: pool, previous: old,
                reusing: { self.endpoints[$0] }, keep: { self.endpoints[$0] = $1 })
            if let old { retire(old, for: compiled) }
            services[service.name] = compiled
            for key in LoopRoutes.hostKeys(service) { hosts[key] = compiled }
        }
        let unclaimed = Set(vacated.filter { hosts[$0] == nil })
        if !unclaimed.isEmpty {
            // A name or alias that a service gave up (removed, or an alias dropped) may be another's alias too
            // (nothing forbids it): the whole compile would give it to that one, so does this. Rare, so a walk.
            for other in services.values {
                for key in LoopRoutes.hostKeys(other.config) where unclaimed.contains(key) { hosts[key] = other }
            }
        }
        routes = LoopRoutes(config: config, keeping: previous, services: services, hosts: hosts,
                            splits: Self.compileSplits(config.splits, services: services))
        // Endpoints their service no longer has: out of the table, idle connections closed, health checks stopped
        // (requests in flight on them finish on the routes they hold).
        for (key, endpoint) in left {
            if endpoints[key] === endpoint { endpoints[key] = nil }
            endpoint.leave()
        }
    }
}
