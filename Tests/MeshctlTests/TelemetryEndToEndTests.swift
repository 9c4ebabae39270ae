import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Access logs, `meshctl trace` and `meshctl logs` against a real operator: a request through the gateway is
/// found again, hop by hop, by the request id it was sent with.
@Suite("telemetry end to end", .serialized)
struct TelemetryEndToEndTests {
    @Test func aRequestThroughTheGatewayIsTracedAndFoundInTheLogs() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let webPort = OperatorHarness.freePort()
        try harness.write("web.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web}
            spec:
              port: \(webPort)
              command: [meshctl, demo-app, --version, v7]
              healthCheck: {path: /healthz, interval: 1s}

            """)
        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(harness.eventually(40) { LoopbackGet.get(port: webPort)?.status == 200 })

        let requestID = "e2e-\(UUID().uuidString.prefix(8).lowercased())"
        let status = Self.get(port: harness.gatewayPort, host: "web", headers: ["x-request-id: \(requestID)"])
        #expect(status == 200)

        // The lines reach the files within the proxies' flush interval (100 ms).
        var trace = try harness.meshctl(["trace", requestID])
        _ = try harness.eventually(10) {
            trace = try harness.meshctl(["trace", requestID])
            // Each proxy flushes on its own timer: wait for both hops' lines.
            return trace.status == 0 && trace.stdout.contains("web/sidecar/0") && trace.stdout.contains("gateway/gateway/0")
        }
        #expect(trace.status == 0, "\(trace.stderr)")
        let lines = trace.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("request \(requestID)") == true, "\(trace.stdout)")
        #expect(lines.first?.contains("2 hops") == true, "\(trace.stdout)")
        let gateway = lines.firstIndex { $0.contains("gateway/gateway/0 gateway") && $0.contains("→ web @127.0.0.1:") }
        let inbound = lines.firstIndex { $0.contains("└─ web/sidecar/0 inbound") && $0.contains("→ local:web @") }
        #expect(gateway != nil && inbound != nil && gateway! < inbound!, "\(trace.stdout)")
        #expect(lines.contains { $0.contains("+0.000") && $0.contains("gateway/gateway/0") }, "\(trace.stdout)")
        #expect(try harness.meshctl(["trace", "no-such-request"]).status == 1)

        let logs = try harness.meshctl(["logs", "web", "--grep", requestID])
        #expect(logs.status == 0, "\(logs.stderr)")
        let logLines = logs.stdout.split(separator: "\n")
        #expect(logLines.count == 1, "\(logs.stdout)")
        #expect(logLines.first?.hasPrefix("[web/sidecar/0 access] {\"ts\":\"") == true, "\(logs.stdout)")
        #expect(logLines.first?.contains("\"request_id\":\"\(requestID)\"") == true)
        #expect(logLines.first?.contains("\"status\":200") == true)
        let output = try harness.meshctl(["logs", "web", "--no-access", "--since", "10m"])
        #expect(output.stdout.contains("[web/workload/0] demo-app v7 listening on"), "\(output.stdout)")
        #expect(!output.stdout.contains("access]"))
    }

    /// One GET with extra header lines; the status, or 0 when the exchange failed.
    private static func get(port: Int, host: String, headers: [String]) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = connectLoopback(fd, port: port)
        guard connected == 0 else { return 0 }
        let request = "GET / HTTP/1.1\r\nHost: \(host)\r\n" + headers.map { $0 + "\r\n" }.joined() + "Connection: close\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<64 {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let line = text.split(separator: "\r\n").first, line.hasPrefix("HTTP/1.1 ") else { return 0 }
        return Int(line.split(separator: " ")[1]) ?? 0
    }
}
