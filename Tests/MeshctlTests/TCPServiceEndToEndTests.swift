import Foundation
import Testing

/// An `appProtocol: tcp` Service the operator runs: its replicas become ready by listening (they speak no HTTP), the
/// gateway's port for it carries bytes, and a workload of another service reaches it through its own sidecar at
/// `MESH_TCP_DB`.
@Suite("tcp service end to end", .serialized)
struct TCPServiceEndToEndTests {
    /// A server that speaks first: `220 db ready` on connect, then echoes.
    static let database = #"""
        import os, socket, threading
        def handle(conn):
            conn.sendall(b"220 db ready\r\n")
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data)
            conn.close()
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", int(os.environ["PORT"])))
        server.listen(64)
        while True:
            conn, _ = server.accept()
            threading.Thread(target=handle, args=(conn,), daemon=True).start()
        """#

    /// An HTTP service whose every answer is the banner read from `MESH_TCP_DB` (its sidecar's tcp listener).
    static let caller = #"""
        import http.server, os, socket
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def do_GET(self):
                host, port = os.environ["MESH_TCP_DB"].rsplit(":", 1)
                try:
                    with socket.create_connection((host, int(port)), timeout=2) as conn:
                        body = conn.recv(100)
                except OSError as error:
                    body = str(error).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
        """#

    /// The first line a server sends on a fresh connection to 127.0.0.1:`port` (empty when none comes).
    static func banner(port: Int) -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = TinyWebhookServer.loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return "" }
        var bytes = [UInt8](repeating: 0, count: 100)
        let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n > 0 ? String(decoding: bytes[0..<n], as: UTF8.self) : ""
    }

    @Test func aTCPServiceIsReachedThroughTheGatewayAndThroughACallersSidecar() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let database = harness.directory + "/db.py"
        let caller = harness.directory + "/caller.py"
        try Self.database.write(toFile: database, atomically: true, encoding: .utf8)
        try Self.caller.write(toFile: caller, atomically: true, encoding: .utf8)
        let dbPort = OperatorHarness.freePort()
        let callerPort = OperatorHarness.freePort()
        try harness.write("mesh.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: db}
            spec: {port: \(dbPort), appProtocol: tcp, command: [python3, \(database)], replicas: 2}
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: caller}
            spec: {port: \(callerPort), command: [python3, \(caller)]}

            """)
        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 0, "\(apply.stderr)")
        // Ready by listening, both replicas; then the gateway's port for db carries the server's first words.
        #expect(try harness.eventually(60) { Self.banner(port: dbPort) == "220 db ready\r\n" })
        // The caller's workload dials MESH_TCP_DB: its own sidecar's listener for db.
        #expect(try harness.eventually(60) { LoopbackGet.get(port: callerPort, path: "/")?.body == "220 db ready\r\n" },
                "\(LoopbackGet.get(port: callerPort, path: "/").map { "\($0)" } ?? "no answer")")
        let output = try harness.meshctl(["get", "services", "db", "-o", "json"]).stdout
        let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        #expect((object?["spec"] as? [String: Any])?["appProtocol"] as? String == "tcp", "\(output)")
        #expect(try harness.eventually(30) {
            let output = try harness.meshctl(["get", "services", "db", "-o", "json"]).stdout
            let object = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
            return (object?["status"] as? [String: Any])?["readyReplicas"] as? Int == 2
        })
    }
}
