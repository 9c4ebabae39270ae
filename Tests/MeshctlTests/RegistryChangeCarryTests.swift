import Foundation
import Logging
import MeshStore
import OperatorAPI
import ProcessRuntime
import Reconciler
import SidecarConfig
import Testing

@testable import OperatorCore

/// A registry change reaches the proxies while a pass is still under way past its probes, and that pass's own push
/// does not undo it. Before, a registration or an expiry landing while a full pass compiled, started processes or
/// wrote status waited for the whole pass (3-15 of 100 expiries in the discovery bench, 120-300 ms each:
/// docs/performance.md "Discovery").
///
/// Here the pass is held where it starts a process (after its compile, before its push) by the fake runtime; the
/// proxies are fake admin endpoints on the ports the operator gave them, on real sockets, over real SQLite.
@Suite("a registry change is carried past a running pass", .serialized)
struct RegistryChangeCarryTests {
    @Test func aRegistrationAndAnExpiryReachTheProxiesWhileAPassStartsAProcessAndItsPushKeepsThem() async throws {
        let directory = StateDirectory(
            FileManager.default.temporaryDirectory.appendingPathComponent("registry-carry-\(UUID().uuidString)").path)
        try directory.create()
        defer { try? FileManager.default.removeItem(atPath: directory.root) }
        let store = try SQLiteStore(stateDirectory: directory.root)
        defer { try? store.close() }
        try await apply(store, "ext", #"{"port":\#(OperatorHarness.freePort()),"registration":{"allowed":true}}"#)
        try await apply(store, "web", #"{"port":\#(OperatorHarness.freePort()),"command":["/bin/true"]}"#)
        let runtime = FakeProcessRuntime()
        let loop = ReconcileLoop(store: store, runtime: runtime, directory: directory, meshctlPath: "/bin/false",
                                 gatewayPort: OperatorHarness.freePort(), logger: Logger(label: "test"))
        _ = await loop.pass()  // starts the gateway, web's workload and web's sidecar (in the fake runtime)
        let proxies = try await store.processes().filter { $0.role != .workload }
        #expect(proxies.count == 2)
        let admins = try proxies.map { try FakeProxyAdmin(port: $0.portMap["admin"] ?? 0) }
        defer { admins.forEach { $0.stop() } }
        _ = await loop.pass()  // the proxies answer now: each is sent its configuration
        #expect(admins.allSatisfy { $0.endpoints(of: "ext") == [] })

        // A full pass that adds a Service, held where it starts the new Service's workload.
        try await apply(store, "api", #"{"port":\#(OperatorHarness.freePort()),"command":["/bin/true"]}"#)
        await runtime.holdSpawns()
        let pass = Task { await loop.passCarryingRegistryChanges() }
        defer { pass.cancel() }
        #expect(try await eventually(10) { await runtime.heldSpawns > 0 })

        #expect(await registered(loop, "127.0.0.1:40998", ttl: "30s"))
        #expect(await registered(loop, "127.0.0.1:40997", ttl: "1s"))
        let both: Set<String> = ["127.0.0.1:40997", "127.0.0.1:40998"]
        // Before: nothing reached a proxy until the held pass ended (these waited until the 10 s ran out).
        let arrived = try await eventually(10) { admins.allSatisfy { Set($0.endpoints(of: "ext") ?? []) == both } }
        #expect(arrived, "while the pass is held, the proxies list \(admins.map { $0.endpoints(of: "ext") })")
        // The 1 s TTL runs out: the expiry alarm's change is carried the same way.
        let expired = try await eventually(10) { admins.allSatisfy { $0.endpoints(of: "ext") == ["127.0.0.1:40998"] } }
        #expect(expired, "after the TTL, the proxies list \(admins.map { $0.endpoints(of: "ext") })")
        #expect(await runtime.heldSpawns > 0, "the pass was still held throughout")
        // The carried pushes were planned from the held pass's compile: its new Service is there already.
        #expect(admins.allSatisfy { $0.lists("api") })

        await runtime.releaseSpawns()
        _ = await pass.value
        // The held pass's push (compiled before either change) must not take them back out.
        for admin in admins {
            #expect(admin.endpoints(of: "ext") == ["127.0.0.1:40998"], "proxy admin \(admin.port): \(admin.pushed.count) pushes")
            #expect(admin.lists("api"))
        }
        #expect(await loop.lastWorld.configurations[GatewayPlan.slot]?.service(named: "ext")?.endpoints
            == ["127.0.0.1:40998"])
    }

    private func apply(_ store: SQLiteStore, _ name: String, _ spec: String) async throws {
        _ = try await store.apply([ApplyObject(kind: "Service", name: name, apiVersion: "mesh.meshctl.dev/v1alpha1",
                                               spec: spec)], source: "/test")
    }

    private func registered(_ loop: ReconcileLoop, _ address: String, ttl: String) async -> Bool {
        if case .success = await loop.register(RegistrationRequest(service: "ext", address: address, ttl: ttl)) {
            return true
        }
        return false
    }

    /// Polls every 10 ms until `condition` holds or `seconds` pass.
    private func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await condition()
    }
}
