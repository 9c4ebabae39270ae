import Foundation
import Manifests
import Reconciler
import SidecarConfig
import Testing

@testable import OperatorCore

/// The pushed body is what the proxy decodes: splicing the shared tables must give back every proxy's exact
/// configuration, and anything that does not carry the shared tables is sent whole.
@Suite("push encoder")
struct PushEncoderTests {
    private func world() -> DesiredWorld {
        func service(_ name: String, port: Int, argv: [String]?) -> Service {
            let workload: Service.Workload = argv.map { .command(Service.Command(argv: $0, replicas: 2)) } ?? .none
            return Service(metadata: ObjectMeta(name: name), spec: Service.Spec(port: port, workload: workload))
        }
        var inputs = MeshInputs(
            services: [service("web", port: 8080, argv: nil), service("web-v1", port: 8081, argv: ["meshctl", "demo-app"]),
                       service("web-v2", port: 8082, argv: ["meshctl", "demo-app", "--version", "v2"])],
            splits: [TrafficSplit(metadata: ObjectMeta(name: "web"), spec: TrafficSplit.Spec(
                service: "web", backends: [.init(service: "web-v1", weight: 90), .init(service: "web-v2", weight: 10)]))],
            retryPolicies: [RetryPolicy(metadata: ObjectMeta(name: "web"), spec: .init(service: "web", attempts: 2))],
            meshctlPath: "/bin/meshctl", configsDirectory: "/state/configs", gatewayPort: 8000)
        var book = PortBook()
        let first = MeshCompiler.compile(inputs, ports: &book, isFree: { _ in true })
        // Every replica ready, so the tables list endpoints as in a running mesh.
        for process in first.processes {
            if process.slot.role == .workload { inputs.readyWorkloadPorts[process.slot] = [process.ports["port"] ?? 0] }
            if process.slot.role == .sidecar { inputs.readyInboundPorts[process.slot] = [process.ports["inbound"] ?? 0] }
        }
        return MeshCompiler.compile(inputs, ports: &book, isFree: { _ in true })
    }

    @Test func everySplicedBodyDecodesToThatProxysConfiguration() throws {
        let world = world()
        let encoder = try #require(PushEncoder(tables: world.configurations[GatewayPlan.slot]))
        #expect(world.configurations.count == 5)
        for (slot, config) in world.configurations {
            let decoded = try SidecarConfiguration.decode(json: encoder.body(for: config))
            #expect(decoded == config, "\(slot)")
        }
    }

    @Test func aConfigurationWithOtherTablesIsEncodedWhole() throws {
        let world = world()
        let encoder = try #require(PushEncoder(tables: world.configurations[GatewayPlan.slot]))
        var other = try #require(world.configurations.values.first { $0.listeners.contains { $0.kind == .inbound } })
        other.splits = []
        other.retryPolicies = []
        let decoded = try SidecarConfiguration.decode(json: encoder.body(for: other))
        #expect(decoded == other)
    }
}
