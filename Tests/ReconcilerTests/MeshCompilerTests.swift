import Manifests
import SidecarConfig
import Testing

@testable import Reconciler

@Suite("mesh compiler")
struct MeshCompilerTests {
    private func service(_ name: String, port: Int, argv: [String]? = ["meshctl", "demo-app"], replicas: Int = 2) -> Service {
        let workload: Service.Workload = argv.map { .command(Service.Command(argv: $0, replicas: replicas)) } ?? .none
        return Service(metadata: ObjectMeta(name: name), spec: Service.Spec(port: port, workload: workload))
    }

    private var split: TrafficSplit {
        TrafficSplit(metadata: ObjectMeta(name: "web"), spec: TrafficSplit.Spec(
            service: "web", backends: [.init(service: "web-v1", weight: 90), .init(service: "web-v2", weight: 10)]))
    }

    private func inputs(v2Argv: [String] = ["meshctl", "demo-app", "--version", "v2"]) -> MeshInputs {
        MeshInputs(
            services: [service("web", port: 8080, argv: nil), service("web-v1", port: 8081),
                       service("web-v2", port: 8082, argv: v2Argv, replicas: 1)],
            splits: [split],
            retryPolicies: [RetryPolicy(metadata: ObjectMeta(name: "web"), spec: .init(service: "web", attempts: 2))],
            meshctlPath: "/bin/meshctl", configsDirectory: "/state/configs", gatewayPort: 8000)
    }

    @Test func eachReplicaGetsAWorkloadAndASidecarAndThereIsOneGateway() {
        var book = PortBook()
        let world = MeshCompiler.compile(inputs(), ports: &book, isFree: { _ in true })
        #expect(world.processes.map(\.slot.description) == [
            "web-v1/workload/0", "web-v1/sidecar/0", "web-v1/workload/1", "web-v1/sidecar/1",
            "web-v2/workload/0", "web-v2/sidecar/0", "gateway/gateway/0",
        ])
        let workload = world.processes[0]
        #expect(workload.argv == ["/bin/meshctl", "demo-app"])
        #expect(workload.environment["PORT"] == String(workload.ports["port"]!))
        let sidecar = world.processes[1]
        #expect(workload.environment["MESH_OUTBOUND"] == "127.0.0.1:\(sidecar.ports["outbound"]!)")
        #expect(sidecar.argv == ["/bin/meshctl", "proxy", "--config", "/state/configs/web-v1-sidecar-0.json",
                                 "--admin", "127.0.0.1:\(sidecar.ports["admin"]!)", "--reuse-port"])
        let ports = world.processes.flatMap { $0.ports.filter { $0.key != "gateway" }.values }
        #expect(Set(ports).count == ports.count)
    }

    @Test("a tcp service is reached through each replica's own sidecar, on a port named in MESH_TCP_<NAME>")
    func tcpServicesGetAnOutboundPortEach() throws {
        var input = inputs()
        input.services.append(Service(metadata: ObjectMeta(name: "db-main"), spec: Service.Spec(
            port: 5432, appProtocol: .tcp, workload: .endpoints([.init(host: "127.0.0.1", port: 15432)]))))
        var book = PortBook()
        let world = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        let workload = world.processes[0]
        let sidecarSlot = world.processes[1].slot
        let config = try #require(world.configurations[sidecarSlot])
        let listener = try #require(config.listeners.first { $0.name == "tcp-db-main" })
        #expect(listener.kind == .outbound && listener.service == "db-main")
        #expect(workload.environment["MESH_TCP_DB_MAIN"] == listener.address)
        #expect(config.service(named: "db-main")?.appProtocol == .tcp)
        // The gateway's per-Service port carries it too (its listener has the service: opaque in the proxy).
        let gateway = try #require(world.configurations[GatewayPlan.slot])
        #expect(gateway.listeners.contains { $0.address == "127.0.0.1:5432" && $0.service == "db-main" })
        // Slot-owned: the same port on the next pass; without tcp services, the workload's revision is as before.
        let again = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        #expect(again.processes[0].environment["MESH_TCP_DB_MAIN"] == listener.address)
        var plainBook = PortBook()
        let plain = MeshCompiler.compile(inputs(), ports: &plainBook, isFree: { _ in true })
        #expect(plain.processes[0].environment.keys.filter { $0.hasPrefix("MESH_TCP_") }.isEmpty)
        #expect(plain.processes[0].revision != workload.revision)
    }

    @Test func onlyReadyReplicasAreEndpoints() throws {
        var book = PortBook()
        var input = inputs()
        let first = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        let gateway = try #require(first.configurations[GatewayPlan.slot])
        #expect(gateway.service(named: "web-v1")?.endpoints == [])
        let replica0 = SlotID(service: "web-v1", role: .workload, replica: 0)
        input.readyWorkloadPorts = [replica0: [first.processes[0].ports["port"]!]]
        let inbound = first.processes[1].ports["inbound"]!
        input.readyInboundPorts = [SlotID(service: "web-v1", role: .sidecar, replica: 0): [inbound],
                                   SlotID(service: "web-v1", role: .sidecar, replica: 1): [first.processes[3].ports["inbound"]!]]
        let second = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        #expect(second.configurations[GatewayPlan.slot]?.service(named: "web-v1")?.endpoints == ["127.0.0.1:\(inbound)"])
        #expect(second.configurations[GatewayPlan.slot]?.version != gateway.version)
        let sidecar0 = try #require(second.configurations[first.processes[1].slot])
        #expect(sidecar0.service(named: "local:web-v1")?.endpoints == ["127.0.0.1:\(first.processes[0].ports["port"]!)"])
        #expect(throws: Never.self) { try sidecar0.validate() }
    }

    @Test func theSameManifestsCompileToTheSameWorld() {
        var book = PortBook()
        let a = MeshCompiler.compile(inputs(), ports: &book, isFree: { _ in true })
        let b = MeshCompiler.compile(inputs(), ports: &book, isFree: { _ in true })
        #expect(a.processes == b.processes)
        #expect(a.configurations == b.configurations)
        var fresh = PortBook()
        let c = MeshCompiler.compile(inputs(), ports: &fresh, isFree: { _ in true })
        #expect(c.processes == a.processes)
    }

    @Test("a memo kept across compiles gives the versions a fresh compile gives, through changes and back")
    func versionsWithAMemoAreTheVersionsWithout() {
        let memo = EncodingMemo()
        var reweighted = inputs()
        reweighted.weightOverrides = ["web": ["web-v1": 50, "web-v2": 50]]
        var readier = reweighted
        readier.readyInboundPorts = [SlotID(service: "web-v1", role: .sidecar, replica: 0): [40001]]
        readier.readyWorkloadPorts = [SlotID(service: "web-v1", role: .workload, replica: 0): [40002]]
        var versions: [[String: String]] = []
        for input in [inputs(), reweighted, readier, reweighted, inputs()] {
            var book = PortBook()
            var freshBook = PortBook()
            let remembered = MeshCompiler.compile(input, ports: &book, isFree: { _ in true }, memo: memo)
            let fresh = MeshCompiler.compile(input, ports: &freshBook, isFree: { _ in true })
            #expect(remembered.configurations == fresh.configurations)
            versions.append(remembered.configurations.reduce(into: [:]) { $0[$1.key.description] = $1.value.version })
        }
        #expect(versions[0] != versions[1] && versions[1] != versions[2])  // each change is a new version
        #expect(versions[3] == versions[1] && versions[4] == versions[0])  // and coming back is the old one
    }

    @Test func aNewCommandIsANewWorkloadRevisionButTheSidecarStays() {
        var book = PortBook()
        let before = MeshCompiler.compile(inputs(), ports: &book, isFree: { _ in true })
        let after = MeshCompiler.compile(inputs(v2Argv: ["meshctl", "demo-app", "--version", "v3"]), ports: &book,
                                         isFree: { _ in true })
        #expect(before.processes[4].revision != after.processes[4].revision)
        #expect(before.processes[4].ports != after.processes[4].ports)  // old and new run side by side
        #expect(before.processes[5] == after.processes[5])
    }

    @Test func weightOverridesAndRetryUnitsReachTheConfig() throws {
        var book = PortBook()
        var input = inputs()
        input.weightOverrides = ["web": ["web-v1": 40, "web-v2": 60]]
        let world = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        let gateway = try #require(world.configurations[GatewayPlan.slot])
        #expect(gateway.splits.first?.backends.map(\.weight) == [40, 60])
        #expect(gateway.retryPolicies.first?.attempts == 3)
        #expect(gateway.listeners.map(\.address) == ["127.0.0.1:8000", "127.0.0.1:8080", "127.0.0.1:8081", "127.0.0.1:8082"])
        #expect(throws: Never.self) { try gateway.validate() }
    }

    @Test func portsInUseElsewhereAreSkippedAndAssignmentsKept() {
        var book = PortBook(lowest: 30_000, highest: 30_009)
        let first = book.port(for: "a", isFree: { _ in true })
        let second = book.port(for: "b", isFree: { $0 != first + 1 && $0 != (first + 1 - 30_000) % 10 + 30_000 })
        #expect(second != first)
        #expect(book.port(for: "a", isFree: { _ in false }) == first)
        book.retain(["b"])
        #expect(book.assignments.keys.sorted() == ["b"])
    }

    @Test func anEmptyMeshRunsNothingNotEvenAGateway() {
        var book = PortBook()
        let world = MeshCompiler.compile(
            MeshInputs(services: [], meshctlPath: "/bin/meshctl", configsDirectory: "/c", gatewayPort: 8000),
            ports: &book, isFree: { _ in true })
        #expect(world.processes.isEmpty && world.configurations.isEmpty)
    }

    @Test func operatorManagedEndpointsAreNotHealthCheckedTwiceButStaticOnesAre() throws {
        var book = PortBook()
        var input = inputs()
        var checked = service("db", port: 9000, argv: nil)
        checked.spec.workload = .endpoints([Service.Endpoint(host: "127.0.0.1", port: 5432)])
        checked.spec.healthCheck = Service.HealthCheck()
        var web = input.services[1]
        web.spec.healthCheck = Service.HealthCheck()
        input.services = [input.services[0], web, input.services[2], checked]
        let world = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        let gateway = try #require(world.configurations[GatewayPlan.slot])
        #expect(gateway.service(named: "web-v1")?.healthCheck == nil)
        #expect(gateway.service(named: "db")?.healthCheck != nil)
        #expect(gateway.service(named: "db")?.endpoints == ["127.0.0.1:5432"])
    }

    @Test("with identities on, replicas are mTLS endpoints; static and registered ones are plaintext")
    func onlySidecarsAreReachedOverMutualTLS() throws {
        var book = PortBook()
        var input = inputs()
        input.identitySocket = "/state/api.sock"
        var db = service("db", port: 9000, argv: nil)
        db.spec.workload = .endpoints([Service.Endpoint(host: "127.0.0.1", port: 5432)])
        input.services.append(db)
        input.registeredEndpoints = ["web-v1": ["127.0.0.1:7001"], "db": ["127.0.0.1:7002"]]
        let world = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        let gateway = try #require(world.configurations[GatewayPlan.slot])
        let v1 = try #require(gateway.service(named: "web-v1"))
        #expect(v1.mtls && v1.plaintextEndpoints == ["127.0.0.1:7001"])
        #expect(v1.endpoints.contains("127.0.0.1:7001"))
        #expect(gateway.service(named: "web-v2")?.plaintextEndpoints == [])
        let statics = try #require(gateway.service(named: "db"))
        #expect(!statics.mtls && statics.endpoints == ["127.0.0.1:5432", "127.0.0.1:7002"])
    }

    @Test func servicesComeAndGoAsGatewayListenersWithoutANewGateway() throws {
        var book = PortBook()
        var input = inputs()
        let before = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        input.services.append(service("api", port: 8090))
        input.previewPorts = [8099: "web-v2"]
        let after = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        let old = try #require(before.processes.first { $0.slot == GatewayPlan.slot })
        let new = try #require(after.processes.first { $0.slot == GatewayPlan.slot })
        // Same process (revision, argv, ports): the running gateway is kept ...
        #expect(old == DesiredProcess(slot: new.slot, argv: new.argv, environment: new.environment,
                                      revision: new.revision, configVersion: old.configVersion, ports: new.ports))
        #expect(new.argv.contains("--reuse-port"))
        // ... and told the new listeners by a configuration push.
        let config = try #require(after.configurations[GatewayPlan.slot])
        #expect(config.version != before.configurations[GatewayPlan.slot]?.version)
        #expect(config.listeners.map(\.address).contains("127.0.0.1:8090"))
        #expect(config.listeners.map(\.address).contains("127.0.0.1:8099"))
        #expect(new.configVersion == config.version)
    }

    @Test func aNewDataPlaneReplacesEveryProxyButNoWorkloadAndKeepsEachOutboundAddress() throws {
        var book = PortBook()
        var input = inputs()
        input.dataPlaneVersion = "1f326e7b00000001"
        let before = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        input.dataPlaneVersion = "8a15047e00000002"
        let after = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        for (old, new) in zip(before.processes, after.processes) {
            #expect(old.slot == new.slot)
            switch new.slot.role {
            case .workload:
                #expect(old == new, "\(new.slot): a workload is not restarted for its sidecar")
            case .sidecar:
                #expect(ProxyLaunch.dataPlane(ofRevision: old.revision) == "1f326e7b00000001")
                #expect(ProxyLaunch.dataPlane(ofRevision: new.revision) == "8a15047e00000002")
                // The replacement runs beside the old sidecar: inbound and admin ports of its own, the slot's outbound.
                #expect(old.ports["outbound"] == new.ports["outbound"])
                #expect(old.ports["inbound"] != new.ports["inbound"] && old.ports["admin"] != new.ports["admin"])
                #expect(new.argv.contains("--reuse-port"))
            case .gateway:
                #expect(old.revision != new.revision && old.ports["admin"] != new.ports["admin"])
            }
        }
        #expect(ProxyLaunch.dataPlane(ofRevision: PortBook.digest(["workload"])) == nil)
    }

    @Test func bothReadySidecarsOfAReplicaAreEndpointsWhileOneReplacesTheOther() throws {
        var book = PortBook()
        var input = inputs()
        let world = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        let workload = world.processes[4]
        let sidecar = world.processes[5]
        #expect(sidecar.slot.description == "web-v2/sidecar/0")
        input.readyWorkloadPorts = [workload.slot: [workload.ports["port"]!]]
        input.readyInboundPorts = [sidecar.slot: [sidecar.ports["inbound"]!, 20_001]]
        let gateway = try #require(MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
            .configurations[GatewayPlan.slot])
        #expect(gateway.service(named: "web-v2")?.endpoints
                == ["127.0.0.1:20001", "127.0.0.1:\(sidecar.ports["inbound"]!)"].sorted())
        // No ready workload behind them: no endpoint at all.
        input.readyWorkloadPorts = [:]
        let idle = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        #expect(idle.configurations[GatewayPlan.slot]?.service(named: "web-v2")?.endpoints == [])
    }
}
