import Foundation
import Testing

/// `readinessProbe` with a real operator and a Python workload whose `/ready` answers 503 until a file exists: it
/// gets no request until then (the gateway has no endpoint for it), takes traffic once the file is there, leaves
/// again when the file goes, and is never restarted for it.
@Suite("readiness end to end", .serialized)
struct ReadinessEndToEndTests {
    /// `/ready`: 200 while READY_FILE exists, else 503. Any other path is served and recorded in SEEN_FILE, except `/`,
    /// which the operator's own check of every workload asks for (it answers HTTP at all) and is no traffic.
    static let server = #"""
        import http.server, os
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/ready":
                    status = 200 if os.path.exists(os.environ["READY_FILE"]) else 503
                elif self.path == "/":
                    status = 200
                else:
                    status = 200
                    with open(os.environ["SEEN_FILE"], "a") as seen:
                        seen.write(self.path + "\n")
                self.send_response(status)
                self.send_header("Content-Length", "3")
                self.end_headers()
                self.wfile.write(b"ok\n")
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
        """#

    private func seen(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func aReplicaThatIsNotReadyGetsNoTrafficAndIsNotRestarted() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let readyFile = harness.directory + "/ready"
        let seenFile = harness.directory + "/seen"
        try Self.server.write(toFile: harness.directory + "/server.py", atomically: true, encoding: .utf8)
        let port = OperatorHarness.freePort()
        try harness.write("slow.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: slow}
            spec:
              port: \(port)
              command: [/usr/bin/python3, \(harness.directory)/server.py]
              env: {READY_FILE: \(readyFile), SEEN_FILE: \(seenFile)}
              readinessProbe:
                httpGet: {path: /ready}
                periodSeconds: 1
                failureThreshold: 1

            """)
        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 0, "\(apply.stderr)")

        // Running and answering HTTP, but not ready: the status says why, and no request reaches it.
        var pid: Int32 = 0
        #expect(try harness.eventually(60) {
            pid = try harness.processes()["slow/workload/0"] ?? 0
            let status = try harness.meshctl(["status"]).stdout
            return pid != 0 && status.contains("readinessProbe: GET /ready: 503")
        })
        for index in 0..<10 {
            let answer = LoopbackGet.get(port: port, path: "/early-\(index)", host: "slow")
            #expect(answer?.status == 503, "no endpoint while not ready: \(String(describing: answer))")
        }
        Thread.sleep(forTimeInterval: 2)
        #expect(seen(seenFile).isEmpty, "requests reached a replica that is not ready: \(seen(seenFile))")

        // Ready once the file exists: the same process takes traffic.
        FileManager.default.createFile(atPath: readyFile, contents: Data())
        #expect(harness.eventually(30) { LoopbackGet.get(port: port, path: "/late", host: "slow")?.status == 200 })
        #expect(seen(seenFile).allSatisfy { $0 == "/late" } && !seen(seenFile).isEmpty, "\(seen(seenFile))")

        // Not ready again: out of the endpoints, and still the same process.
        try FileManager.default.removeItem(atPath: readyFile)
        #expect(harness.eventually(30) { LoopbackGet.get(port: port, path: "/gone", host: "slow")?.status == 503 })
        let served = seen(seenFile).count
        Thread.sleep(forTimeInterval: 2)
        for index in 0..<5 { _ = LoopbackGet.get(port: port, path: "/out-\(index)", host: "slow") }
        #expect(seen(seenFile).count == served, "\(seen(seenFile))")
        #expect(try harness.processes()["slow/workload/0"] == pid, "not restarted for being unready")
    }
}
