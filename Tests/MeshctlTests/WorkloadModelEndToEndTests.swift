import Foundation
import Testing

/// The workload model with stock programs and a real operator: `$(PORT)` in a command, `workingDir`, and an
/// environment built from nothing (a variable only the operator has does not reach a workload).
@Suite("workload model end to end", .serialized)
struct WorkloadModelEndToEndTests {
    /// Serves its own environment as JSON.
    static let envServer = #"""
        import http.server, json, os
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = json.dumps(dict(os.environ)).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
        """#

    @Test func stockProgramGetsItsPortDirectoryAndACleanEnvironment() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start(environment: ["MESH_TEST_OPERATOR_ONLY": "operator-secret"])
        let www = harness.directory + "/www"
        try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
        try "hello from workingDir\n".write(toFile: www + "/hello.txt", atomically: true, encoding: .utf8)
        try Self.envServer.write(toFile: www + "/env_server.py", atomically: true, encoding: .utf8)
        let filesPort = OperatorHarness.freePort()
        let envPort = OperatorHarness.freePort()
        try harness.write("workloads.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: files}
            spec:
              port: \(filesPort)
              command: [/usr/bin/python3, -m, http.server, "$(PORT)", --bind, 127.0.0.1]
              workingDir: \(www)
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: envdump}
            spec:
              port: \(envPort)
              command: [/usr/bin/python3, env_server.py]
              workingDir: \(www)
              env: {GREETING: "port $(PORT)", LITERAL: "$$(PORT)", UNKNOWN: "$(NOT_DEFINED)"}

            """)
        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 0, "\(apply.stderr)")

        var file: (status: Int, body: String)?
        #expect(harness.eventually { file = LoopbackGet.get(port: filesPort, path: "/hello.txt"); return file?.status == 200 })
        #expect(file?.body == "hello from workingDir\n")

        var environment: [String: String] = [:]
        #expect(harness.eventually {
            guard let answer = LoopbackGet.get(port: envPort), answer.status == 200,
                  let object = try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: String]
            else { return false }
            environment = object
            return true
        })
        let port = try #require(environment["PORT"])
        #expect(environment["GREETING"] == "port \(port)")
        #expect(environment["LITERAL"] == "$(PORT)")
        #expect(environment["UNKNOWN"] == "$(NOT_DEFINED)")
        #expect(environment["MESH_SERVICE"] == "envdump")
        #expect(environment["PATH"] == ProcessInfo.processInfo.environment["PATH"])
        #expect(environment["MESH_TEST_OPERATOR_ONLY"] == nil, "the operator's own variable leaked into a workload")
        #expect(environment["MESH_STATE_DIR"] == nil)
    }
}
