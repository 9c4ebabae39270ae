import Foundation
import OperatorAPI
import Testing

/// `spec.upstreams` with a real operator: a workload that declared `backend` reaches it through its sidecar, gets 503
/// with the reason for an undeclared service, and its sidecar is not sent a change that concerns only other
/// services (its configuration version stays), while a sidecar that declared nothing takes it.
@Suite("declared upstreams end to end", .serialized)
struct UpstreamsEndToEndTests {
    /// `GET /call/NAME` calls `http://NAME/hello` through the sidecar (`http_proxy`) and answers `STATUS BODY`.
    static let caller = #"""
        import http.server, os, urllib.error, urllib.request
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                try:
                    answer = urllib.request.urlopen(f"http://{name}/hello", timeout=5)
                    body = f"{answer.status} {answer.read().decode()}"
                except urllib.error.HTTPError as error:
                    body = f"{error.code} {error.read().decode()}"
                except Exception as error:  # the operator's readiness probe asks for "/"
                    body = f"000 {error!r}"
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
        """#

    private func manifests(_ harness: OperatorHarness, callerPort: Int, ports: [Int], otherBalancer: String) -> String {
        """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: caller}
        spec:
          port: \(callerPort)
          command: [/usr/bin/python3, caller.py]
          workingDir: \(harness.directory)
          upstreams: [backend]
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: backend}
        spec:
          port: \(ports[0])
          command: [meshctl, demo-app, --version, backend]
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: other}
        spec:
          port: \(ports[1])
          command: [meshctl, demo-app, --version, other]
          loadBalancer: \(otherBalancer)

        """
    }

    /// Each proxy's configuration version, by slot.
    static func versions(_ harness: OperatorHarness) async throws -> [String: String] {
        var result: [String: String] = [:]
        for (slot, port) in try await IdentityRenewalEndToEndTests.proxyAdminPorts(harness) {
            let answer = try await APIClient(host: "127.0.0.1", port: port).send("GET", "/config/version")
            struct Version: Decodable { var version: String }
            result[slot] = try JSONDecoder().decode(Version.self, from: Data(answer.body)).version
        }
        return result
    }

    @Test func aDeclaringSidecarRoutesItsUpstreamsOnlyAndIsLeftAloneByOtherChanges() async throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        try Self.caller.write(toFile: harness.directory + "/caller.py", atomically: true, encoding: .utf8)
        let callerPort = OperatorHarness.freePort()
        let ports = [OperatorHarness.freePort(), OperatorHarness.freePort()]
        try harness.write("m.yaml", manifests(harness, callerPort: callerPort, ports: ports, otherBalancer: "p2c-ewma"))
        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 0, "\(apply.stderr)")

        var declared = ""
        #expect(harness.eventually(60) {
            declared = LoopbackGet.get(port: callerPort, path: "/call/backend")?.body ?? ""
            return declared.hasPrefix("200 ")
        }, "\(declared)")
        #expect(declared.contains("backend"))
        let undeclared = LoopbackGet.get(port: callerPort, path: "/call/other")?.body ?? ""
        #expect(undeclared.hasPrefix("503 ") && undeclared.contains("\"other\" is not among the upstreams this service declares (backend)"),
                "\(undeclared)")

        // A change that concerns `other` only: the caller's sidecar keeps its version, backend's (no declaration) moves.
        let before = try await Self.versions(harness)
        try harness.write("m.yaml", manifests(harness, callerPort: callerPort, ports: ports, otherBalancer: "round-robin"))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        var after: [String: String] = [:]
        #expect(try await harness.eventuallyAwaiting(30) {
            after = try await Self.versions(harness)
            return after["backend/sidecar/0"] != before["backend/sidecar/0"]
        }, "\(before) -> \(after)")
        #expect(after["caller/sidecar/0"] == before["caller/sidecar/0"], "\(before) -> \(after)")
        #expect(after["gateway/gateway/0"] != before["gateway/gateway/0"])
    }
}
