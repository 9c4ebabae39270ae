import Manifests
import SidecarConfig
import Testing

@testable import Reconciler

/// `spec.upstreams`: a sidecar carries only what its workload calls, so a change to anything else does not touch it.
@Suite("declared upstreams")
struct UpstreamsCompileTests {
    private func service(_ name: String, port: Int, upstreams: [String]? = nil, command: Bool = true) -> Service {
        let workload: Service.Workload = command ? .command(Service.Command(argv: ["meshctl", "demo-app"], replicas: 1)) : .none
        return Service(metadata: ObjectMeta(name: name),
                       spec: Service.Spec(port: port, workload: workload, upstreams: upstreams))
    }

    /// `front` splits over `web-v1`/`web-v2`; `caller` declares `front`, `loner` declares nothing, `other` declares
    /// `db`, `all` declares no list at all.
    private func inputs(canaryWeight: Int = 10) -> MeshInputs {
        MeshInputs(
            services: [service("front", port: 8080, command: false), service("web-v1", port: 8081),
                       service("web-v2", port: 8082), service("db", port: 8083),
                       service("caller", port: 8090, upstreams: ["front"]), service("loner", port: 8091, upstreams: []),
                       service("other", port: 8092, upstreams: ["db"]), service("all", port: 8093)],
            splits: [TrafficSplit(metadata: ObjectMeta(name: "front"), spec: .init(
                service: "front",
                backends: [.init(service: "web-v1", weight: 100 - canaryWeight), .init(service: "web-v2", weight: canaryWeight)]))],
            retryPolicies: [RetryPolicy(metadata: ObjectMeta(name: "db"), spec: .init(service: "db", attempts: 2)),
                            RetryPolicy(metadata: ObjectMeta(name: "front"), spec: .init(service: "front", attempts: 2))],
            meshctlPath: "/bin/meshctl", configsDirectory: "/state/configs", gatewayPort: 8000)
    }

    private func sidecar(_ service: String, in world: DesiredWorld) throws -> SidecarConfiguration {
        try #require(world.configurations[SlotID(service: service, role: .sidecar, replica: 0)])
    }

    @Test("a declaring sidecar carries its upstreams, the backends of their splits and their retry policies only")
    func scopedTables() throws {
        var book = PortBook()
        let world = MeshCompiler.compile(inputs(), ports: &book, isFree: { _ in true })
        let caller = try sidecar("caller", in: world)
        #expect(caller.services.map(\.name) == ["front", "web-v1", "web-v2", "local:caller"])
        #expect(caller.splits.map(\.name) == ["front"])
        #expect(caller.retryPolicies.map(\.service) == ["front"])
        #expect(caller.listeners.first { $0.name == "outbound" }?.upstreams == ["front"])
        let other = try sidecar("other", in: world)
        #expect(other.services.map(\.name) == ["db", "local:other"])
        #expect(other.splits.isEmpty && other.retryPolicies.map(\.service) == ["db"])
        let loner = try sidecar("loner", in: world)
        #expect(loner.services.map(\.name) == ["local:loner"] && loner.splits.isEmpty)
        #expect(loner.listeners.first { $0.name == "outbound" }?.upstreams == [])
        // No declaration: the whole mesh, as before, and no `upstreams` on its listener.
        let all = try sidecar("all", in: world)
        #expect(all.services.count == 8 + 1 && all.splits.count == 1)
        #expect(all.listeners.first { $0.name == "outbound" }?.upstreams == nil)
        for config in [caller, other, loner, all] { try config.validate() }
    }

    @Test("a weight change moves the versions of the proxies that carry the split, and no other")
    func weightChangeTouchesOnlyCarriers() throws {
        var book = PortBook()
        let memo = EncodingMemo()
        let before = MeshCompiler.compile(inputs(canaryWeight: 10), ports: &book, isFree: { _ in true }, memo: memo)
        let after = MeshCompiler.compile(inputs(canaryWeight: 50), ports: &book, isFree: { _ in true }, memo: memo)
        let changed = Set(after.configurations.filter { before.configurations[$0.key]?.version != $0.value.version }
            .map(\.key.description))
        // `web-v1` and `web-v2` declare nothing, so they route to everything, the split included.
        #expect(changed == ["caller/sidecar/0", "all/sidecar/0", "web-v1/sidecar/0", "web-v2/sidecar/0",
                            "db/sidecar/0", "gateway/gateway/0"])
        // An unchanged mesh keeps every version (nothing is pushed).
        let again = MeshCompiler.compile(inputs(canaryWeight: 50), ports: &book, isFree: { _ in true }, memo: memo)
        #expect(again.configurations.mapValues(\.version) == after.configurations.mapValues(\.version))
    }

    @Test("a new endpoint of db reaches the proxies that may call db, not those scoped away from it")
    func endpointChangeTouchesOnlyCarriers() throws {
        var book = PortBook()
        var input = inputs()
        let before = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        input.registeredEndpoints = ["db": ["127.0.0.1:9999"]]
        let after = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        let changed = Set(after.configurations.filter { before.configurations[$0.key]?.version != $0.value.version }
            .map(\.key.description))
        #expect(!changed.contains("caller/sidecar/0") && !changed.contains("loner/sidecar/0"))
        #expect(changed.contains("other/sidecar/0") && changed.contains("all/sidecar/0"))
        #expect(try sidecar("other", in: after).service(named: "db")?.endpoints == ["127.0.0.1:9999"])
    }
}
