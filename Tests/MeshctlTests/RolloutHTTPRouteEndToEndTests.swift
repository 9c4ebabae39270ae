import Foundation
import Testing

/// A canary Rollout that names an HTTPRoute instead of a TrafficSplit, through a real operator and the demo app:
/// its first step (`setHeaderRoute`) sends testers carrying `x-tester: yes` to the canary while every other request
/// stays on the stable version; after `promote` the rollout moves the weights on the route's backendRefs; once
/// promoted, the canary is scaled to zero.
@Suite("rollout over an HTTPRoute end to end", .serialized)
struct RolloutHTTPRouteEndToEndTests {
    static func manifests(root: Int, primary: Int, canary: Int, canaryVersion: String) -> String {
        CanaryMesh.routeManifests(root: root, primary: primary, canary: canary, canaryArgs: "--version, \(canaryVersion)",
                                  rollout: """
                steps:
                - setHeaderRoute:
                    name: testers
                    match: [{headerName: x-tester, headerValue: {exact: "yes"}}]
                - pause: {}
                - setWeight: 50
                - pause: {}
                analysis: {interval: 1s, threshold: 3, minRequests: 1}
            """)
    }

    @Test func testersReachTheCanaryBeforeAnyWeightMovesThenTheRoutesWeightsMove() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let (root, primary, canary) = (OperatorHarness.freePort(), OperatorHarness.freePort(), OperatorHarness.freePort())
        try harness.write("mesh.yaml", Self.manifests(root: root, primary: primary, canary: canary, canaryVersion: "v1"))
        let first = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(harness.eventually(60) { HeaderGet.get(port: root, host: "web")?.status == 200 })

        try harness.write("mesh.yaml", Self.manifests(root: root, primary: primary, canary: canary, canaryVersion: "v2"))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        let routed = harness.eventually(60) {
            HeaderGet.get(port: root, host: "web", headers: ["x-tester: yes"])?.version == "v2"
        }
        let atHeaderStep = try harness.meshctl(["rollout", "status", "web"]).stdout
        try #require(routed, "testers never reached the canary: \(atHeaderStep)")
        let testers = (0..<10).compactMap { _ in HeaderGet.get(port: root, host: "web", headers: ["x-tester: yes"])?.version }
        let users = (0..<20).compactMap { _ in HeaderGet.get(port: root, host: "web")?.version }
        #expect(testers == Array(repeating: "v2", count: 10))
        #expect(users == Array(repeating: "v1", count: 20), "no user traffic on the canary at the header step")

        // promote: past the pause to setWeight 50 on the route's backendRefs; the header route stays. Only once the
        // pause began: a promote during the header step skips that step, and the rollout then waits at the pause.
        #expect(try harness.eventually(30) { try harness.meshctl(["rollout", "status", "web"]).stdout.contains("Paused") })
        #expect(try harness.meshctl(["rollout", "promote", "web"]).status == 0)
        var mixed: [String] = []
        let moved = harness.eventually(60) {
            mixed = (0..<20).compactMap { _ in HeaderGet.get(port: root, host: "web")?.version }
            return mixed.filter { $0 == "v2" }.count == 10
        }
        #expect(moved, "weights 50/50 on the HTTPRoute: \(mixed)")
        #expect(HeaderGet.get(port: root, host: "web", headers: ["x-tester: yes"])?.version == "v2")
        let status = try harness.meshctl(["rollout", "status", "web"]).stdout
        #expect(status.contains("+header(testers)"), "\(status)")

        // Promoted: stable runs v2 and takes everything, the header route is gone, and the canary, a second
        // full-size copy of v2 with no traffic, is scaled to zero (its own port has no endpoint left).
        #expect(try harness.meshctl(["rollout", "promote", "--full", "web"]).status == 0)
        var final = ""
        let done = try harness.eventually(90) {
            final = try harness.meshctl(["rollout", "status", "web"]).stdout
            return final.contains("Succeeded") && HeaderGet.get(port: canary, host: "web-canary")?.status == 503
        }
        #expect(done, "\(final)")
        let after = (0..<10).compactMap { _ in HeaderGet.get(port: root, host: "web")?.version }
        #expect(after == Array(repeating: "v2", count: 10))
    }
}
