import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Socket activation of the sidecars' outbound listeners: the operator holds each one and hands it to every sidecar
/// process it starts, so a SIGKILLed sidecar leaves its workload's `MESH_OUTBOUND` listening (connections queue until
/// the restarted sidecar accepts them) instead of refusing calls until it has bound again.
@Suite("sidecar socket activation end to end", .serialized)
struct SidecarSocketActivationEndToEndTests {
    /// `web` (whose replica's outbound port the test calls through) and `api` (what it calls), all ready.
    private static func startMesh(_ harness: OperatorHarness) throws -> (outbound: Int, sidecar: Int32) {
        try harness.start()
        let (webPort, apiPort) = (OperatorHarness.freePort(), OperatorHarness.freePort())
        try harness.write("mesh.yaml", ZeroDropEndToEndTests.service("web", port: webPort) + "---\n"
                          + ZeroDropEndToEndTests.service("api", port: apiPort))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        let workload = try #require(try waitForProcess(harness, slot: "web/workload/0"))
        let outbound = try #require(DataPlaneUpgradeEndToEndTests.environment(of: workload)["MESH_OUTBOUND"]?.split(separator: ":").last
            .flatMap { Int($0) })
        #expect(harness.eventually(60) { LoopbackGet.get(port: outbound, host: "api")?.body.contains("api") == true })
        let sidecar = try #require(try harness.processes()["web/sidecar/0"])
        return (outbound, sidecar)
    }

    private static func waitForProcess(_ harness: OperatorHarness, slot: String) throws -> Int32? {
        var pid: Int32?
        _ = try harness.eventually(60) {
            pid = try harness.processes()[slot]
            return pid != nil
        }
        return pid
    }

    private static func killSidecarUnderLoad(_ harness: OperatorHarness, outbound: Int) throws
        -> (connects: ConnectLoop.Counts, requests: RequestLoop.Counts, replacement: Int32?)
    {
        try KillUnderLoad.run(harness, slot: "web/sidecar/0", port: outbound, host: "api")
    }

    @Test func aKilledSidecarsWorkloadHasNoConnectionRefusedWhileTheSidecarRestarts() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        let (outbound, sidecar) = try Self.startMesh(harness)
        let socket = DataPlaneUpgradeEndToEndTests.standardInput(of: sidecar)
        #expect(socket.hasPrefix("socket:"), "the sidecar accepts from the operator's socket (its stdin): \(socket)")

        let (connects, requests, replacement) = try Self.killSidecarUnderLoad(harness, outbound: outbound)
        #expect(connects.refused == 0, "\(connects)")
        #expect(connects.connected > 100)
        // At most the one request in flight on the killed sidecar fails; every later one waits in the queue.
        #expect(requests.failed <= 1, "\(requests.failures)")
        let restarted = try #require(replacement)
        #expect(DataPlaneUpgradeEndToEndTests.standardInput(of: restarted) == socket, "the restarted sidecar accepts from the same socket")
    }

    @Test func afterAnOperatorCrashTheRestartedOperatorRecoversTheSocketAndAKilledSidecarRefusesNothing() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        let (outbound, sidecar) = try Self.startMesh(harness)
        let socket = DataPlaneUpgradeEndToEndTests.standardInput(of: sidecar)

        harness.crashOperator()
        try harness.start()
        let log = harness.directory + "/operator.out"
        #expect(harness.eventually(30) {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            return text.contains("recovered the outbound socket 127.0.0.1:\(outbound)")
        }, "\((try? String(contentsOfFile: log, encoding: .utf8))?.suffix(3000) ?? "")")
        #expect(try harness.processes()["web/sidecar/0"] == sidecar, "adopted, not restarted")

        let (connects, requests, replacement) = try Self.killSidecarUnderLoad(harness, outbound: outbound)
        #expect(connects.refused == 0, "\(connects)")
        #expect(requests.failed <= 1, "\(requests.failures)")
        let restarted = try #require(replacement)
        #expect(DataPlaneUpgradeEndToEndTests.standardInput(of: restarted) == socket, "the restarted sidecar accepts from the recovered socket")
    }
}
