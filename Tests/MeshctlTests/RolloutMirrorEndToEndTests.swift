import Foundation
import Testing

/// A mirrored canary (Argo's `setMirrorRoute`) through a real operator and the demo app: users, a bounded client
/// loop through the root Service's port, keep getting stable's answers while every request is also copied to the
/// canary, whose own sidecar's inbound metrics the analysis reads. A canary answering every copy with 500 is rolled
/// back with no user request failed; a healthy one passes its check and proceeds to the next step.
@Suite("mirrored canary end to end", .serialized)
struct RolloutMirrorEndToEndTests {
    static func manifests(root: Int, primary: Int, canary: Int, canaryArgs: String) -> String {
        CanaryMesh.routeManifests(root: root, primary: primary, canary: canary, canaryArgs: canaryArgs, rollout: """
                steps:
                - setMirrorRoute:
                    name: shadow
                    percentage: 100
                    match: [{path: {prefix: /}}]
                - pause: {}
                analysis: {interval: 1s, threshold: 2, minRequests: 3}
            """)
    }

    /// Applies v1 on both sides, then the canary `canaryArgs` with a user loop running; returns the rollout status
    /// once `done` holds (bounded) and the loop's counts.
    func roll(canaryArgs: String, until done: @escaping (String) -> Bool) throws -> (status: String, reached: Bool, users: RequestLoop.Counts) {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let (root, primary, canary) = (OperatorHarness.freePort(), OperatorHarness.freePort(), OperatorHarness.freePort())
        try harness.write("mesh.yaml", Self.manifests(root: root, primary: primary, canary: canary,
                                                      canaryArgs: "--version, v1"))
        let first = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(harness.eventually(60) { HeaderGet.get(port: root, host: "web")?.status == 200 })

        let users = RequestLoop(port: root, host: "web")
        users.start()
        defer { users.stop() }
        try harness.write("mesh.yaml", Self.manifests(root: root, primary: primary, canary: canary, canaryArgs: canaryArgs))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        var status = ""
        let reached = try harness.eventually(90) {
            status = try harness.meshctl(["rollout", "status", "web"]).stdout
            return done(status)
        }
        users.stop()
        return (status, reached, users.counts)
    }

    @Test func aFailingMirroredCanaryRollsBackWhileUsersSeeNoFailure() throws {
        let (status, reached, users) = try roll(canaryArgs: "--version, v2, --error-rate, '1'") {
            $0.hasPrefix("rollout/web  Failed")
        }
        #expect(reached, "never rolled back: \(status)")
        // Judged on the copies alone: the mirror was in force at weight 0, and the canary's success rate is its own.
        #expect(status.contains("weights 100/0 +mirror(shadow 100%) confirmed"), "\(status)")
        #expect(status.contains("request-success-rate 0% (min 99%) FAIL"), "\(status)")
        #expect(users.failed == 0, "users saw the canary's failures: \(users.failures)")
        #expect(users.ok > 20, "the loop ran: \(users.ok)")
    }

    @Test func aHealthyMirroredCanaryPassesItsCheckAndProceeds() throws {
        let (status, reached, users) = try roll(canaryArgs: "--version, v2") { $0.contains("Paused") && $0.contains("step 2/2") }
        #expect(reached, "the mirror step never passed: \(status)")
        #expect(status.contains("+mirror(shadow 100%)"), "the route stays through the pause: \(status)")
        #expect(users.failed == 0, "\(users.failures)")
    }
}
