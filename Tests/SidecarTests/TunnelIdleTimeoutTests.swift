import Foundation
import Sidecar
import SidecarConfig
import Testing

/// `limits.tunnelIdleTimeout`: a tunnel that carries nothing either way is closed on both sides, one that carries
/// bytes is not; an opaque TCP connection is one access-log line (`"method":"TCP"`, bytes each way, why it ended).
@Suite("Proxy: tunnel idle timeout and TCP access log", .serialized)
struct TunnelIdleTimeoutTests {
    static let idle = Duration.milliseconds(400)

    private static func tcpConfig(_ backend: TestBackend, log: String? = nil) -> SidecarConfiguration {
        var config = ProxyHarness.config(services: [ServiceConfig(name: "db", endpoints: [backend.address], appProtocol: .tcp)])
        config.limits.tunnelIdleTimeout = idle
        config.accessLog = log.map { AccessLogConfig(path: $0, proxy: "p") }
        return config
    }

    @Test("an idle TCP tunnel closes after tunnelIdleTimeout; a busy one stays; the access log has one TCP line each")
    func idleTCPTunnelCloses() async throws {
        let backend = try await TestBackend { request, _ in TestBackend.ok(request.requestLine) }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("tunnel-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let proxy = try await ProxyHarness(Self.tcpConfig(backend, log: log))
        let (first, closedAfter, busyAnswers, busyOpen) = try await offPool {
            let quiet = try RawClient(port: proxy.port, timeoutSeconds: 10)
            let first = try quiet.request("GET", "/quiet").text
            let started = ContinuousClock.now
            let closed = quiet.isClosedByPeer()  // blocks until the proxy closes it (or 10 s)
            let closedAfter = closed ? ContinuousClock.now - started : nil

            // A request every 150 ms for 1.2 s (three idle timeouts): the activity keeps it open.
            let busy = try RawClient(port: proxy.port, timeoutSeconds: 10)
            var answers = 0
            for index in 0..<8 {
                if (try? busy.request("GET", "/busy\(index)").text) == "GET /busy\(index) HTTP/1.1" { answers += 1 }
                Thread.sleep(forTimeInterval: 0.15)
            }
            let busyOpen = (try? busy.request("GET", "/last").text) == "GET /last HTTP/1.1"
            return (first, closedAfter, answers, busyOpen)
        }
        #expect(first == "GET /quiet HTTP/1.1")
        let after = try #require(closedAfter, "the idle tunnel was never closed")
        #expect(after >= Self.idle - .milliseconds(50) && after < .seconds(3), "closed after \(after)")
        #expect(busyAnswers == 8 && busyOpen, "a tunnel carrying bytes was cut: \(busyAnswers) answers")
        await proxy.stop()
        await backend.stop()

        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        try #require(lines.count == 2, "\(lines)")
        let quiet = try #require(lines.first { $0["reason"] as? String == "idle-timeout" }, "\(lines)")
        #expect(quiet["method"] as? String == "TCP" && quiet["service"] as? String == "db")
        #expect(quiet["upstream"] as? String == backend.address && quiet["status"] as? Int == 0)
        #expect((quiet["bytes_up"] as? Int ?? 0) > "GET /quiet HTTP/1.1".utf8.count, "\(quiet)")
        #expect((quiet["bytes_down"] as? Int ?? 0) > "GET /quiet HTTP/1.1".utf8.count, "\(quiet)")
        #expect(((quiet["duration_ms"] as? Double) ?? 0) >= 350, "\(quiet)")
        // The busy one ended with the drain: a close, not an idle timeout.
        let busy = try #require(lines.first { $0["reason"] as? String != "idle-timeout" }, "\(lines)")
        #expect(busy["method"] as? String == "TCP" && busy["reason"] is NSNull, "\(busy)")
        #expect((busy["bytes_down"] as? Int ?? 0) > (quiet["bytes_down"] as? Int ?? 0) * 5, "\(busy)")
    }

    @Test("a WebSocket-style upgrade tunnel idle for tunnelIdleTimeout is closed on both sides")
    func idleUpgradeTunnelCloses() async throws {
        let backend = try await TestBackend { _, _ in
            .raw(Array("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\nserver-first".utf8))
        }
        var config = ProxyHarness.config(services: [ServiceConfig(name: "ws", endpoints: [backend.address])])
        config.limits.tunnelIdleTimeout = Self.idle
        let proxy = try await ProxyHarness(config)
        let (status, echoed, closedAfter) = try await offPool {
            let client = try RawClient(port: proxy.port, timeoutSeconds: 10)
            client.send(ProxyUpgradeTests.upgrade)
            let head = try client.readResponse()
            let echoed = String(decoding: try client.read(count: 12), as: UTF8.self)
            let started = ContinuousClock.now
            let closed = client.isClosedByPeer()
            return (head.status, echoed, closed ? ContinuousClock.now - started : nil)
        }
        #expect(status == 101 && echoed == "server-first")
        let after = try #require(closedAfter, "the idle upgrade tunnel was never closed")
        #expect(after >= Self.idle - .milliseconds(50) && after < .seconds(3), "closed after \(after)")
        await proxy.stop()
        await backend.stop()
    }

    @Test("limits.tunnelIdleTimeout is read from and written to the configuration, and must be positive")
    func configured() throws {
        let json = #"{"version": "v", "limits": {"tunnelIdleTimeout": "5m"}}"#
        let config = try SidecarConfiguration.decode(json: Data(json.utf8))
        #expect(config.limits.tunnelIdleTimeout == .seconds(300))
        #expect(SidecarConfiguration(version: "v").limits.tunnelIdleTimeout == .seconds(3600))
        let zero = #"{"version": "v", "limits": {"tunnelIdleTimeout": "0s"}}"#
        #expect(throws: (any Error).self) { try SidecarConfiguration.decode(json: Data(zero.utf8)) }
    }
}
