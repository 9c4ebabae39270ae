import Foundation
import Testing

/// Opaque TCP through a `mesh-proxy` process: a server that speaks first, and an endpoint that is down.
@Suite("TCP through mesh-proxy", .serialized)
struct TCPThroughProxyTests {
    @Test("a banner server is heard before the client sends anything; a down endpoint's connects go to the other")
    func bannerAndConnectRetry() throws {
        let serverScript = try ChildProcess.scratchFile(PeerScripts.bannerServer, suffix: ".py")
        let clientScript = try ChildProcess.scratchFile(PeerScripts.bannerClient, suffix: ".py")
        defer {
            try? FileManager.default.removeItem(atPath: serverScript)
            try? FileManager.default.removeItem(atPath: clientScript)
        }
        let server = try ChildProcess(ChildProcess.python, [serverScript, "live"])
        defer { server.stop() }
        let live = try server.port(after: "port")
        // A port that was just free: a second banner server, stopped.
        let gone = try ChildProcess(ChildProcess.python, [serverScript, "gone"])
        let dead = try gone.port(after: "port")
        gone.stop()
        let proxy = try ChildProcess(ChildProcess.meshProxy, [
            "--listen", "127.0.0.1:0", "--to", "127.0.0.1:\(dead),127.0.0.1:\(live)", "--protocol", "tcp",
            "--admin", "127.0.0.1:0",
        ])
        defer { proxy.stop() }
        let port = try proxy.port(after: "listening")
        let client = try ChildProcess(ChildProcess.python, [clientScript, String(port), "6"])
        defer { client.stop() }
        #expect(client.exitStatus(within: .seconds(30)) == 0, "\(client.output)")
        #expect(client.output.split(separator: "\n") == (0..<6).map { "ok \($0) 220 live ready"[...] })
        let metrics = MetricsScrape.text(adminPort: try proxy.port(after: "admin"))
        #expect(metrics.contains(#"mesh_tunnels_total{service="upstream",kind="tcp"} 6"#))
        #expect(metrics.contains(#"mesh_tunnels_open{service="upstream",kind="tcp"} 0.0"#))
        let up = MetricsScrape.value(metrics, #"mesh_tunnel_bytes_total{service="upstream",kind="tcp",direction="up"}"#)
        #expect(up == 6 * 300_000)
    }
}
