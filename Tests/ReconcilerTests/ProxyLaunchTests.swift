import Foundation
import Manifests
import Testing

@testable import Reconciler

@Suite("proxy launch")
struct ProxyLaunchTests {
    private func compile(meshctlPath: String) -> DesiredWorld {
        let service = Service(
            metadata: ObjectMeta(name: "web"),
            spec: Service.Spec(port: 8080, workload: .command(Service.Command(argv: ["meshctl", "demo-app"], replicas: 1))))
        var book = PortBook()
        return MeshCompiler.compile(
            MeshInputs(services: [service], meshctlPath: meshctlPath, configsDirectory: "/state/configs", gatewayPort: 8000),
            ports: &book, isFree: { _ in true })
    }

    @Test func sidecarsAndGatewayRunMeshProxyWhenItSitsNextToMeshctl() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-launch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let lean = directory.appendingPathComponent("mesh-proxy").path
        #expect(FileManager.default.createFile(atPath: lean, contents: Data(), attributes: [.posixPermissions: 0o755]))
        let meshctl = directory.appendingPathComponent("meshctl").path

        let world = compile(meshctlPath: meshctl)
        let sidecar = try #require(world.processes.first { $0.slot.role == .sidecar })
        let gateway = try #require(world.processes.first { $0.slot.role == .gateway })
        #expect(sidecar.argv.prefix(2) == [lean, "--config"])
        #expect(gateway.argv.prefix(2) == [lean, "--config"])
        // The workload (the demo app built into meshctl) still runs from meshctl.
        #expect(world.processes.first { $0.slot.role == .workload }?.argv.first == meshctl)
        // Switching binaries is a new revision, so running proxies are replaced.
        #expect(sidecar.revision != compile(meshctlPath: "/bin/meshctl").processes[1].revision)
    }

    @Test func withoutMeshProxyTheyRunMeshctlProxy() throws {
        let world = compile(meshctlPath: "/nonexistent-\(UUID().uuidString)/meshctl")
        let sidecar = try #require(world.processes.first { $0.slot.role == .sidecar })
        #expect(sidecar.argv[1] == "proxy")
        #expect(ProxyLaunch.leanPath(nextTo: "meshctl") == nil)
    }
}
