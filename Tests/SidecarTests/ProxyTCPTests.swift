import Sidecar
import SidecarConfig
import Testing

/// `appProtocol: tcp` services: whole connections balanced over endpoints, bytes passed unparsed, drained with a
/// deadline. (A server that speaks first, with real processes: Tests/MeshctlTests/TCPThroughProxyTests.swift.)
@Suite("Proxy: opaque TCP", .serialized)
struct ProxyTCPTests {
    /// A port nothing listens on.
    static func deadAddress() async throws -> String {
        let gone = try await TestBackend { _, _ in .close }
        let address = gone.address
        await gone.stop()
        return address
    }

    @Test("every connection reaches the live endpoint, a refused connect retried on the other; bytes pass unparsed")
    func connectRetryAndRawBytes() async throws {
        let dead = try await Self.deadAddress()
        let backend = try await TestBackend { _, _ in TestBackend.ok("live") }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [
            ServiceConfig(name: "db", endpoints: [dead, backend.address], appProtocol: .tcp, loadBalancer: .roundRobin),
        ]))
        let answers = try await offPool {
            try (0..<6).map { _ in
                let client = try RawClient(port: proxy.port)
                return try client.request("GET", "/").text
            }
        }
        #expect(answers == Array(repeating: "live", count: 6))
        #expect(backend.connections == 6)
        // Opaque: the proxy added no field of its own to the bytes.
        #expect(backend.requests.allSatisfy { $0.header("x-forwarded-for") == nil && $0.header("traceparent") == nil })
        let metrics = try await offPool { try proxy.admin("GET", "/metrics").text }
        #expect(metrics.contains(#"mesh_tunnels_total{service="db",kind="tcp"} 6"#))
        await proxy.stop()
        await backend.stop()
    }

    @Test("no endpoint to connect to: the client's connection closes (no HTTP answer on an opaque connection)")
    func nothingToConnectToCloses() async throws {
        let dead = try await Self.deadAddress()
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [
            ServiceConfig(name: "db", endpoints: [dead], appProtocol: .tcp),
        ]))
        let bytes = try await offPool {
            let client = try RawClient(port: proxy.port)
            client.send("hello")
            return try client.readToEnd()
        }
        #expect(bytes.isEmpty)
        await proxy.stop()
    }

    @Test("drain: an idle keep-alive closes at once; a tunnel carries on until the drain deadline, then closes")
    func drainGivesTunnelsTheDeadline() async throws {
        let backend = try await TestBackend { request, _ in TestBackend.ok(request.requestLine) }
        let config = SidecarConfiguration(version: "t", listeners: [
            Listener(name: "tcp", kind: .inbound, address: "127.0.0.1:0", service: "db"),
            Listener(name: "http", kind: .inbound, address: "127.0.0.1:0", service: "web"),
        ], services: [
            ServiceConfig(name: "db", endpoints: [backend.address], appProtocol: .tcp),
            ServiceConfig(name: "web", endpoints: [backend.address]),
        ])
        let server = ProxyServer(configuration: config, options: .init(threads: 1))
        let bound = try await server.start()
        let tcpPort = bound.first { $0.name == "tcp" }!.address.port
        let httpPort = bound.first { $0.name == "http" }!.address.port
        let (keepAliveClosed, during, tunnelClosed, tunnelClosedAfter) = try await offPool {
            let tunnel = try RawClient(port: tcpPort, timeoutSeconds: 10)
            _ = try tunnel.request("GET", "/before")
            let keepAlive = try RawClient(port: httpPort, timeoutSeconds: 10)
            _ = try keepAlive.request("GET", "/idle")
            let started = ContinuousClock.now
            Task { await server.drain(timeout: .seconds(3)) }
            let closed = keepAlive.isClosedByPeer()
            let idleClosedAfter = ContinuousClock.now - started
            // Well into the drain, the tunnel still carries bytes both ways.
            let during = try tunnel.request("GET", "/during").text
            let tunnelClosed = tunnel.isClosedByPeer()
            return (closed && idleClosedAfter < .seconds(2), during, tunnelClosed, ContinuousClock.now - started)
        }
        await server.waitUntilStopped()
        #expect(keepAliveClosed)
        #expect(during == "GET /during HTTP/1.1")
        #expect(tunnelClosed)
        #expect(tunnelClosedAfter >= .milliseconds(2500))
        await backend.stop()
    }
}
