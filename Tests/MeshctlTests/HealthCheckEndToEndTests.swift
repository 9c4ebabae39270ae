import Foundation
import Testing

/// A Service's healthCheck honoured for the replicas the operator runs: a real workload whose `/healthz` fails on
/// demand, a real operator probing it, the Service's readyReplicas (its endpoints) as a user sees them.
@Suite("health check thresholds end to end", .serialized)
struct HealthCheckEndToEndTests {
    /// Answers `/healthz` with 503 while the number in `state` is above zero (counting it down), else 200; appends
    /// each answer's status to `state.log`.
    static let workload = #"""
        import http.server, os, sys
        state = sys.argv[1]
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def do_GET(self):
                code = 200
                if self.path == "/healthz":
                    try:
                        left = int(open(state).read().strip() or "0")
                    except (OSError, ValueError):
                        left = 0
                    if left > 0:
                        open(state, "w").write(str(left - 1))
                        code = 503
                    with open(state + ".log", "a") as log:
                        log.write(f"{code}\n")
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
        """#

    private func readyReplicas(_ harness: OperatorHarness) throws -> Int? { try harness.readyReplicas("flaky") }

    private func probes(_ state: String) -> [String] {
        ((try? String(contentsOfFile: state + ".log", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func failuresBelowTheThresholdKeepTheReplicaInAndTheIntervalHolds() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let script = harness.directory + "/flaky.py"
        let state = harness.directory + "/flaky.state"
        try Self.workload.write(toFile: script, atomically: true, encoding: .utf8)
        try "0".write(toFile: state, atomically: true, encoding: .utf8)
        try harness.write("flaky.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: flaky}
            spec:
              port: \(OperatorHarness.freePort())
              command: [python3, \(script), \(state)]
              healthCheck: {path: /healthz, interval: 500ms, timeout: 300ms, healthyThreshold: 2, unhealthyThreshold: 3}

            """)
        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(try harness.eventually { try readyReplicas(harness) == 1 })

        // The interval holds: about one probe per 500 ms while nothing else happens (not one per pass, not one per 2 s).
        let before = probes(state).count
        Thread.sleep(forTimeInterval: 3)
        let steady = probes(state).count - before
        #expect((4...8).contains(steady), "\(steady) probes in 3 s at a 500 ms interval")

        // Two failures in a row, below unhealthyThreshold 3: the replica stays in throughout.
        try "2".write(toFile: state, atomically: true, encoding: .utf8)
        let deadline = Date().addingTimeInterval(5)
        var left = true
        while Date() < deadline && !probes(state).suffix(3).elementsEqual(["503", "503", "200"]) {
            if try readyReplicas(harness) != 1 { left = false }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(probes(state).suffix(3).elementsEqual(["503", "503", "200"]), "\(probes(state).suffix(5))")
        #expect(left, "one or two failed probes took the replica out")

        // Five in a row: out after the third; back only after two passes in a row.
        let mark = probes(state).count
        try "5".write(toFile: state, atomically: true, encoding: .utf8)
        #expect(try harness.eventually(10) { try readyReplicas(harness) == 0 })
        let failedWhenOut = probes(state).dropFirst(mark).filter { $0 == "503" }.count
        #expect(failedWhenOut >= 3, "out after \(failedWhenOut) failures")
        #expect(try harness.eventually(10) { try readyReplicas(harness) == 1 })
        let tail = Array(probes(state).dropFirst(mark))
        let passesBeforeBack = tail.reversed().prefix { $0 == "200" }.count
        #expect(tail.filter { $0 == "503" }.count == 5)
        #expect(passesBeforeBack >= 2, "back after \(passesBeforeBack) passes: \(tail)")

        // `meshctl status` says how large the state directory is, logs apart (measured every few seconds).
        let status = try harness.meshctl(["status"]).stdout
        let line = status.split(separator: "\n").first { $0.hasPrefix("state: ") }.map(String.init) ?? ""
        #expect(try Regex(#"^state: \S+ \d+\.\d (KiB|MiB) \(logs \d+(\.\d)? (B|KiB|MiB)\)$"#).wholeMatch(in: line) != nil,
                "\(status)")
    }
}
