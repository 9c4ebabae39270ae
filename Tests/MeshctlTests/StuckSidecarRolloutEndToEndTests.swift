import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A rollout waits for the proxies that carry its split and answer, not for every proxy of the mesh: with the sidecar
/// of an unrelated service stopped (SIGSTOP: alive, answering nothing), a canary still gets its weights confirmed
/// and moves, long before its progressDeadline.
@Suite("a stuck sidecar elsewhere does not stall a rollout", .serialized)
struct StuckSidecarRolloutEndToEndTests {
    @Test func theCanaryConfirmsItsWeightsWhileAnotherServicesSidecarIsStopped() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let (root, primary, canary) =
            (OperatorHarness.freePort(), OperatorHarness.freePort(), OperatorHarness.freePort())
        let billing = """
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: billing}
            spec:
              port: \(OperatorHarness.freePort())
              command: [meshctl, demo-app, --version, b1]

            """
        func write(_ version: String) throws {
            try harness.write("mesh.yaml", CanaryMesh.manifests(root: root, primary: primary, canary: canary,
                                                                canaryVersion: version) + billing)
        }
        try write("v1")
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(harness.eventually(40) { LoopbackGet.get(port: root)?.status == 200 })
        var stuck: Int32?
        #expect(try harness.eventually(30) {
            stuck = try harness.processes()["billing/sidecar/0"]
            return stuck != nil
        })
        let pid = try #require(stuck)
        kill(pid, SIGSTOP)
        defer { kill(pid, SIGCONT) }

        try write("v2")
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        var lines: [String] = []
        // progressDeadline is 2m: before the fix the rollout waited on the stopped sidecar until then.
        let confirmed = try harness.eventually(40) {
            lines = try harness.meshctl(["rollout", "status", "web"]).stdout.split(separator: "\n").map(String.init)
            return lines.contains { $0.hasSuffix("weights 70/30 confirmed") }
        }
        #expect(confirmed, "\(lines)")
        #expect(!lines.contains { $0.contains("Failed") }, "\(lines)")
    }
}
