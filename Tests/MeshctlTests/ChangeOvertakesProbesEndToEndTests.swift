import Foundation
import OperatorAPI
import Testing

/// A weight change reaches the proxies without waiting for a full pass's probes. A Service whose health check takes
/// 2.8 s to answer (interval 3 s) keeps the full passes in their probes 2.8 s of every 3; before changes overtook the
/// probes, a change landing in one waited for them (1.4 s on average, up to 2.8 s). Now it is carried at once from
/// the last observation, and the full pass goes on beside it.
@Suite("a change overtakes a full pass's probes", .serialized)
struct ChangeOvertakesProbesEndToEndTests {
    /// Answers `/healthz` after 2.8 s, anything else at once.
    static let slowHealth = #"""
        import http.server, os, time
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def do_GET(self):
                if self.path == "/healthz":
                    time.sleep(2.8)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
        """#

    private func manifests(_ harness: OperatorHarness, ports: [Int], weight: Int) -> String {
        """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: slow}
        spec:
          port: \(ports[0])
          command: [/usr/bin/python3, slow.py]
          workingDir: \(harness.directory)
          healthCheck: {path: /healthz, interval: 3s, timeout: 3s}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web-v1}
        spec:
          port: \(ports[1])
          command: [meshctl, demo-app, --version, v1]
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web-v2}
        spec:
          port: \(ports[2])
          command: [meshctl, demo-app, --version, v2]
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web}
        spec: {port: \(ports[3])}
        ---
        apiVersion: split.smi-spec.io/v1alpha4
        kind: TrafficSplit
        metadata: {name: web}
        spec:
          service: web
          backends:
          - {service: web-v1, weight: \(100 - weight)}
          - {service: web-v2, weight: \(weight)}

        """
    }

    /// Whether the split's status says every proxy runs its current generation.
    static func splitConfirmed(_ client: APIClient) async -> Bool {
        guard let response = try? await client.send("GET", "/v1/objects?kind=TrafficSplit&name=web"),
              let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
              let item = (object["items"] as? [[String: Any]])?.first,
              let generation = (item["metadata"] as? [String: Any])?["generation"] as? Int,
              let status = item["status"] as? [String: Any],
              let proxies = status["proxies"] as? Int, proxies > 0 else { return false }
        return status["observedGeneration"] as? Int == generation && status["proxiesConfigured"] as? Int == proxies
    }

    @Test func weightChangesAreConfirmedWhileTheFullPassesWaitOnASlowHealthCheck() async throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        try Self.slowHealth.write(toFile: harness.directory + "/slow.py", atomically: true, encoding: .utf8)
        let ports = (0..<4).map { _ in OperatorHarness.freePort() }
        try harness.write("mesh.yaml", manifests(harness, ports: ports, weight: 0))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(try harness.eventually(60) { try harness.readyReplicas("slow") == 1 })
        let client = APIClient(socketPath: harness.stateDirectory + "/operator.sock")
        #expect(await eventuallyConfirmed(client, within: 30))

        var waits: [Double] = []
        for change in 1...8 {
            try harness.write("mesh.yaml", manifests(harness, ports: ports, weight: change * 10))
            #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
            let applied = Date()
            #expect(await eventuallyConfirmed(client, within: 10))
            waits.append(Date().timeIntervalSince(applied))
            // Land the next change somewhere else in the 3 s probe cycle.
            try await Task.sleep(for: .milliseconds(370))
        }
        // Before: a change waited for the pass's 2.8 s probe to end (all eight under 1.2 s: a chance of ~1 in 400).
        #expect(waits.allSatisfy { $0 < 1.2 }, "seconds from apply to every proxy confirmed: \(waits)")
    }

    private func eventuallyConfirmed(_ client: APIClient, within seconds: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if await Self.splitConfirmed(client) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}
