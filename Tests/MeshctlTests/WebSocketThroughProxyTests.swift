import Foundation
import Testing

/// WebSocket through a `mesh-proxy` process, with a client and a server nobody here wrote (python3-websockets).
@Suite("WebSocket through mesh-proxy", .serialized)
struct WebSocketThroughProxyTests {
    @Test("echo (text, binary, 1 MB) and the close handshake through the inbound, outbound and gateway listeners")
    func echoThroughEveryListenerKind() throws {
        let script = try ChildProcess.scratchFile(PeerScripts.websocket, suffix: ".py")
        defer { try? FileManager.default.removeItem(atPath: script) }
        let server = try ChildProcess(ChildProcess.python, [script, "server"])
        defer { server.stop() }
        let serverPort = try server.port(after: "port")
        let config = try ChildProcess.scratchFile(
            """
            {"version": "ws", "listeners": [
              {"name": "in", "kind": "inbound", "address": "127.0.0.1:0", "service": "echo"},
              {"name": "out", "kind": "outbound", "address": "127.0.0.1:0"},
              {"name": "gw", "kind": "gateway", "address": "127.0.0.1:0", "routes": [{"pathPrefix": "/chat", "service": "echo"}]}],
             "services": [{"name": "echo", "endpoints": ["127.0.0.1:\(serverPort)"]}]}
            """, suffix: ".json")
        defer { try? FileManager.default.removeItem(atPath: config) }
        let proxy = try ChildProcess(ChildProcess.meshProxy, ["--config", config, "--admin", "127.0.0.1:0"])
        defer { proxy.stop() }
        // The outbound listener routes by Host: the client asks for ws://echo/chat.
        for (listener, host) in [("in", "anything"), ("out", "echo"), ("gw", "shop.local")] {
            let port = try proxy.port(after: "listening \(listener) ")
            let client = try ChildProcess(ChildProcess.python, [script, "client", String(port), host])
            defer { client.stop() }
            let status = client.exitStatus(within: .seconds(30))
            #expect(status == 0, "\(listener): \(client.output)")
            #expect(client.output.split(separator: "\n") == ["text ok", "binary ok", "1MB ok", "closed 1000"],
                    "\(listener)")
        }
        let metrics = MetricsScrape.text(adminPort: try proxy.port(after: "admin"))
        #expect(metrics.contains(#"mesh_tunnels_total{service="echo",kind="upgrade"} 3"#))
        #expect(metrics.contains(#"mesh_tunnels_open{service="echo",kind="upgrade"} 0.0"#))
        // Three times a little over 1 MB each way, frames included.
        let up = MetricsScrape.value(metrics, #"mesh_tunnel_bytes_total{service="echo",kind="upgrade",direction="up"}"#)
        let down = MetricsScrape.value(metrics, #"mesh_tunnel_bytes_total{service="echo",kind="upgrade",direction="down"}"#)
        #expect(up > 3_000_000 && down > 3_000_000)
    }
}

/// Reads a proxy's `/metrics` over its admin port.
enum MetricsScrape {
    static func text(adminPort: Int) -> String {
        LoopbackGet.get(port: adminPort, path: "/metrics")?.body ?? ""
    }

    /// The value of the series named exactly `series` (0 when absent).
    static func value(_ text: String, _ series: String) -> Double {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1)) ?? 0
        }
        return 0
    }
}
