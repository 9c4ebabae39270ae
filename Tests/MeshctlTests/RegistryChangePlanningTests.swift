import Foundation
import Logging
import MeshStore
import OperatorAPI
import ProcessRuntime
import Reconciler
import SidecarConfig
import Testing

@testable import OperatorCore

/// A registration or an expiry changes no stored object: its quick pass plans from the last snapshot instead of
/// reading SQLite first. The read was one more hop on the way to the proxies (an expiry's pass spent p99 91 ms,
/// max 151 ms, in it on a loaded machine: docs/performance.md "Discovery"). Here the store is closed after the
/// registration, so any read fails: the quick pass must still plan the instance into every proxy's tables. Nor does
/// it rotate logs or measure the state directory (a full pass's chores), which once stood before its push too.
@Suite("a registry change is planned without reading the store")
struct RegistryChangePlanningTests {
    @Test func aRegistrationIsPlannedFromTheLastSnapshot() async throws {
        let directory = StateDirectory(
            FileManager.default.temporaryDirectory.appendingPathComponent("registry-plan-\(UUID().uuidString)").path)
        try directory.create()
        defer { try? FileManager.default.removeItem(atPath: directory.root) }
        let store = try SQLiteStore(stateDirectory: directory.root)
        defer { try? store.close() }
        _ = try await store.apply([ApplyObject(kind: "Service", name: "ext", apiVersion: "mesh.meshctl.dev/v1alpha1",
                                               spec: #"{"port":\#(OperatorHarness.freePort()),"registration":{"allowed":true}}"#)],
                                  source: "/test")
        let loop = ReconcileLoop(store: store, runtime: FakeProcessRuntime(), directory: directory,
                                 meshctlPath: "/bin/false", gatewayPort: OperatorHarness.freePort(),
                                 logger: Logger(label: "test"))
        _ = await loop.pass()  // a full pass: the snapshot later quick passes start from; the gateway is started
        let gatewayTables = { await loop.lastWorld.configurations[GatewayPlan.slot]?.services.first { $0.name == "ext" } }
        #expect(await gatewayTables()?.endpoints == [])
        let registered = await loop.register(RegistrationRequest(service: "ext", address: "127.0.0.1:40999", ttl: "30s"))
        guard case .success = registered else {
            Issue.record("registration refused: \(registered)")
            return
        }

        await loop.makeLogHousekeepingDue()
        try store.close()
        _ = await loop.pass()  // quick: the registration kicked it; its status write fails, after the plan
        // Before, the pass began by reading the objects again, failed there, and planned nothing.
        #expect(await gatewayTables()?.endpoints == ["127.0.0.1:40999"])
        // The log housekeeping that was due is left to the next full pass: not in the change's way.
        #expect(await loop.lastLogHousekeeping == -Double.infinity)
    }
}
