import Foundation
import Testing

/// `autoscale` with a real operator: request loops through the gateway raise `web` from 1 replica to its max, and
/// once they stop it goes back to 1 after its 5 s scale-down window; no request fails on the way. `meshctl scale`
/// refuses an autoscaled Service, and `meshctl status` says why the count is what it is.
@Suite("autoscale end to end", .serialized)
struct AutoscaleEndToEndTests {
    private func endpointCount(_ harness: OperatorHarness) throws -> Int {
        try harness.meshctl(["get", "endpoints", "web"]).stdout.split(separator: "\n")
            .filter { $0.hasPrefix("web ") }.count
    }

    @Test func scalesUpUnderLoadAndBackDownAfterItWithNoFailedRequest() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let port = OperatorHarness.freePort()
        try harness.write("web.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web}
            spec:
              port: \(port)
              command: [meshctl, demo-app]
              autoscale: {min: 1, max: 3, targetRPSPerReplica: 10, scaleDownStabilization: 5s}

            """)
        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(try harness.eventually(60) { try endpointCount(harness) == 1 })

        let refused = try harness.meshctl(["scale", "web", "--replicas", "2"])
        #expect(refused.status == 1 && refused.stderr.contains("service/web is autoscaled"), "\(refused.stderr)")

        // Up: each loop sends a request every few milliseconds, far past 10 per second per replica.
        let clients = (0..<3).map { _ in RequestLoop(port: port, host: "web") }
        clients.forEach { $0.start() }
        defer { clients.forEach { $0.stop() } }
        #expect(try harness.eventually(60) { try endpointCount(harness) == 3 })
        #expect(try harness.meshctl(["status"]).stdout.contains("autoscale 1-3: 3 ("))
        clients.forEach { $0.stop() }
        let failed = clients.map(\.counts.failed).reduce(0, +)
        let total = clients.map(\.counts.ok).reduce(0, +) + failed
        #expect(failed == 0, "\(failed) failed of \(total): \(Array(clients.flatMap(\.counts.failures).prefix(5)))")
        #expect(total > 100)

        // Down: no load, so after the 5 s window one replica is left, and it still serves.
        let stoppedAt = Date()
        #expect(try harness.eventually(60) {
            try endpointCount(harness) == 1 && harness.processes().keys.filter { $0.hasPrefix("web/") }.count == 2
        })
        #expect(Date().timeIntervalSince(stoppedAt) > 4, "not before the scale-down window")
        #expect(try harness.meshctl(["status"]).stdout.contains("autoscale 1-3: 1 ("))
        for index in 0..<20 {
            #expect(LoopbackGet.get(port: port, path: "/after-\(index)", host: "web")?.status == 200)
        }
        let events = try harness.meshctl(["status"]).stdout
        #expect(events.contains("Autoscaled"), "\(events)")
    }
}
