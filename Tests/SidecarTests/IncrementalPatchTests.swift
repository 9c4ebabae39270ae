import NIOCore
import NIOPosix
import SidecarConfig
import Testing

@testable import Sidecar

/// A `PATCH /config` applied to an event loop's compiled routes (`LoopContext+Patch.swift`, which looks only at the
/// services the patch names) must give exactly the routes a whole compile of the patched configuration gives:
/// services, endpoints, host table, splits and listener plans. Checked over random series of changes (endpoints
/// registered and expired, aliases, balancers, retry policies, services added and removed, weights) from several
/// seeds; and a one-service patch of a large mesh must leave every other service's compiled state alone.
@Suite("incremental patch of a loop's routes")
struct IncrementalPatchTests {
    /// SplitMix64: seeded, so a failing series can be replayed from its seed.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private static func config(_ version: String, _ services: [ServiceConfig], weight: Int = 50,
                               policies: [RetryPolicyConfig] = []) -> SidecarConfiguration {
        SidecarConfiguration(
            version: version,
            listeners: [Listener(name: "in", kind: .inbound, address: "127.0.0.1:0", service: "svc-0"),
                        Listener(name: "in-2", kind: .inbound, address: "127.0.0.1:0", service: "svc-2"),
                        Listener(name: "out", kind: .outbound, address: "127.0.0.1:0")],
            services: services,
            splits: [TrafficSplitConfig(name: "svc-0", rootService: "svc-0", backends: [
                .init(service: "svc-1", weight: 100 - weight), .init(service: "svc-2", weight: weight)])],
            retryPolicies: policies)
    }

    private static func service(_ index: Int, endpoints: [Int], aliases: [String] = [],
                                balancer: ServiceConfig.LoadBalancerKind = .p2cEWMA) -> ServiceConfig {
        ServiceConfig(name: "svc-\(index)", hosts: aliases, endpoints: endpoints.map { "127.0.0.1:\(7000 + $0)" },
                      loadBalancer: balancer)
    }

    /// One random change of the mesh tables, as registrations, expiries, rollouts and applies make them.
    private static func change(_ config: SidecarConfiguration, version: String, using random: inout Seeded)
        -> SidecarConfiguration
    {
        func pick(_ count: Int) -> Int { Int.random(in: 0..<count, using: &random) }
        var new = config
        new.version = version
        switch pick(8) {
        case 0, 1:  // a registration or an expiry
            guard !new.services.isEmpty else { break }
            let at = pick(new.services.count)
            var endpoints = new.services[at].endpoints
            let address = "127.0.0.1:\(7000 + pick(12))"
            if let found = endpoints.firstIndex(of: address) { endpoints.remove(at: found) } else { endpoints.append(address) }
            new.services[at].endpoints = endpoints
        case 2:  // an alias given or taken (sometimes one another service has too)
            guard !new.services.isEmpty else { break }
            let at = pick(new.services.count)
            new.services[at].hosts = pick(2) == 0 ? [] : ["alias-\(new.services[at].name)-\(pick(3))", "Shared.example"]
        case 3:  // a balancer
            guard !new.services.isEmpty else { break }
            new.services[pick(new.services.count)].loadBalancer = ServiceConfig.LoadBalancerKind.allCases[pick(3)]
        case 4:  // a service added or removed (a split's backend too: its root degrades)
            let index = pick(8)
            if let at = new.services.firstIndex(where: { $0.name == "svc-\(index)" }) {
                new.services.remove(at: at)
            } else {
                new.services.append(service(index, endpoints: [pick(12), pick(12)]))
            }
        case 5:  // a retry policy set, changed or dropped
            let target = "svc-\(pick(8))"
            if pick(3) == 0 {
                new.retryPolicies.removeAll { $0.service == target }
            } else {
                new.retryPolicies.removeAll { $0.service == target }
                new.retryPolicies.append(RetryPolicyConfig(name: "retry-\(target)", service: target, attempts: 1 + pick(4)))
            }
        default:  // a weight
            let weight = pick(101)
            new.splits[0].backends = [.init(service: "svc-1", weight: 100 - weight), .init(service: "svc-2", weight: weight)]
        }
        return new
    }

    /// Everything a loop routes by, as text: services (config, policy, endpoint addresses), host table, splits,
    /// listener plans, and the loop's endpoint and pool tables (each endpoint the one its service routes to).
    private static func routing(_ loop: LoopContext) -> [String] {
        let routes = loop.routes
        var lines = routes.services.values.map { service in
            "service \(service.name) \(service.config) policy \(String(describing: service.policyConfig)) "
                + "endpoints \(service.endpoints.map(\.address.description))"
        }
        lines += routes.hosts.map { "host \($0.key) -> \($0.value.name)" }
        lines += routes.splits.map { root, split in
            "split \(root) -> \(split.backends.map(\.name)) \(split.config.backends.map(\.weight)) \(split.degraded ?? "")"
        }
        lines += routes.plans.map { name, plan in
            switch plan.route {
            case .none: "plan \(name) none"
            case .fixed(let service): "plan \(name) fixed \(service.name)"
            case .perRequest: "plan \(name) per request"
            case .degraded(let reason): "plan \(name) degraded \(reason)"
            }
        }
        for (key, endpoint) in loop.endpoints {
            let owner = routes.services.values.first { $0.endpoints.contains { $0 === endpoint } }
            lines.append("endpoint \(key) routed by \(owner?.name ?? "nothing")")
        }
        lines += loop.pools.keys.map { "pool \($0)" }
        return lines.sorted()
    }

    /// Host names claimed by two services go to either in a whole compile (dictionary order): compared apart.
    private static func withoutShared(_ lines: [String]) -> [String] { lines.filter { !$0.hasPrefix("host shared.example") } }

    @Test("a random series of patches gives the routes a whole compile gives", arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func sameRoutesAsWholeCompile(seed: UInt64) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        var random = Seeded(state: seed)
        var running = Self.config("v0", (0..<8).map { Self.service($0, endpoints: [$0, $0 + 1]) })
        let first = running
        let patched = try await loop.submit { LoopContext(eventLoop: loop, metrics: ProxyMetrics(), config: first) }.get()
        for step in 1...60 {
            let new = Self.change(running, version: "v\(step)", using: &random)
            guard let patch = SidecarConfigPatch.between(running, new) else { continue }
            try patch.validate(against: running)
            #expect(patch.applied(to: running) == new)
            let (upserted, removed) = patch.servicesToCompile(running: running, patched: new)
            let splitsOnly = !patch.changesServices && (patch.retryPolicies == nil || patch.retryPolicies == running.retryPolicies)
            let (incremental, whole) = try await loop.submit {
                if splitsOnly { patched.applySplits(new) } else { patched.apply(new, upserting: upserted, removing: removed) }
                let fresh = LoopContext(eventLoop: loop, metrics: ProxyMetrics(), config: new)
                return (Self.routing(patched), Self.routing(fresh))
            }.get()
            let (mine, reference) = (Self.withoutShared(incremental), Self.withoutShared(whole))
            let same = mine == reference
            let patchedOnly = Set(mine).subtracting(reference).sorted(), wholeOnly = Set(reference).subtracting(mine).sorted()
            #expect(same, "seed \(seed), step \(step): patched only \(patchedOnly), whole only \(wholeOnly)")
            let shared = incremental.filter { $0.hasPrefix("host shared.example") }
            let claimants = new.services.filter { $0.hosts.contains("Shared.example") }.map(\.name)
            #expect(shared.count == (claimants.isEmpty ? 0 : 1) && shared.allSatisfy { line in
                claimants.contains { line.hasSuffix("-> \($0)") } }, "seed \(seed), step \(step): \(shared) of \(claimants)")
            running = new
        }
        try await group.shutdownGracefully()
    }

    @Test("one service's registration at 100 services looks at and rebuilds that service alone")
    func unchangedServicesKept() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let v1 = Self.config("v1", (0..<100).map { Self.service($0, endpoints: [$0 % 12, ($0 + 1) % 12]) })
        var v2 = v1
        v2.version = "v2"
        v2.services[7].endpoints.append("127.0.0.1:7099")
        let patch = try #require(SidecarConfigPatch.between(v1, v2))
        let (upserted, removed) = patch.servicesToCompile(running: v1, patched: v2)
        let context = try await loop.submit { LoopContext(eventLoop: loop, metrics: ProxyMetrics(), config: v1) }.get()
        let (examined, compiled, kept, endpointsKept, changed) = try await loop.submit {
            let before = context.routes
            let (examined, compiled) = (context.servicesExamined, context.servicesCompiled)
            context.apply(v2, upserting: upserted, removing: removed)
            let after = context.routes
            let others = before.services.keys.filter { $0 != "svc-7" }
            let kept = others.allSatisfy { before.services[$0] === after.services[$0] && after.hosts[$0] === before.services[$0] }
            let endpointsKept = others.allSatisfy { name in
                zip(before.services[name]!.endpoints, after.services[name]!.endpoints).allSatisfy { $0 === $1 } }
            return (context.servicesExamined - examined, context.servicesCompiled - compiled, kept, endpointsKept,
                    after.services["svc-7"]!.endpoints.count)
        }.get()
        #expect(examined == 1 && compiled == 1, "looked at \(examined), compiled \(compiled)")
        #expect(kept && endpointsKept)
        #expect(changed == 3)
        try await group.shutdownGracefully()
    }
}
