import Foundation
import Testing

/// Services calling services through their own sidecar with stock clients and no code for it: a workload's
/// `http_proxy` sends `http://backend/…` to its sidecar's outbound listener, which routes the absolute-form request by
/// its host and forwards it in origin-form; loopback stays direct (`no_proxy`).
@Suite("service to service through the sidecar end to end", .serialized)
struct ServiceToServiceEndToEndTests {
    /// Says who it is, the path it was sent, and whether a proxy put a traceparent on the request.
    static let backend = #"""
        import http.server, os
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                traced = "traced" if self.headers.get("traceparent") else "untraced"
                body = f"backend {self.path} {traced}".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
        """#

    /// Calls `http://backend/hello` with curl or urllib, as told by the path, with nothing but its environment.
    static let frontend = #"""
        import http.server, os, subprocess, urllib.request
        def call(how):
            if how == "/curl":
                done = subprocess.run(["curl", "-sS", "--max-time", "5", "http://backend/hello"],
                                      capture_output=True, text=True)
                return done.stdout + done.stderr
            if how == "/urllib":
                return urllib.request.urlopen("http://backend/hello", timeout=5).read().decode()
            if how == "/self":
                port = os.environ["PORT"]
                return urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=5).read().decode()
            return "pong"
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                try:
                    body, code = call(self.path).encode(), 200
                except Exception as error:
                    body, code = repr(error).encode(), 500
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
        """#

    @Test func curlAndUrllibReachAnotherServiceThroughTheirSidecar() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        try Self.backend.write(toFile: harness.directory + "/backend.py", atomically: true, encoding: .utf8)
        try Self.frontend.write(toFile: harness.directory + "/frontend.py", atomically: true, encoding: .utf8)
        let frontendPort = OperatorHarness.freePort()
        try harness.write("two-tier.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: backend}
            spec:
              port: \(OperatorHarness.freePort())
              command: [/usr/bin/python3, backend.py]
              workingDir: \(harness.directory)
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: frontend}
            spec:
              port: \(frontendPort)
              command: [/usr/bin/python3, frontend.py]
              workingDir: \(harness.directory)

            """)
        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 0, "\(apply.stderr)")

        var answers: [String: String] = [:]
        #expect(harness.eventually {
            for how in ["/curl", "/urllib", "/self"] {
                guard let answer = LoopbackGet.get(port: frontendPort, path: how), answer.status == 200 else {
                    return false
                }
                answers[how] = answer.body
            }
            return answers["/curl"] == answers["/urllib"] && answers["/curl"]?.hasPrefix("backend") == true
        }, "\(answers)")
        // Through the backend's sidecar (the traceparent), in origin-form (the path, not the URL).
        #expect(answers["/curl"] == "backend /hello traced")
        #expect(answers["/urllib"] == "backend /hello traced")
        // Its own loopback port stays direct: through a proxy, "127.0.0.1" names no service.
        #expect(answers["/self"] == "pong")
    }
}
