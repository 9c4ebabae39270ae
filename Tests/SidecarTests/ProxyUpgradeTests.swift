import Sidecar
import SidecarConfig
import Testing

/// HTTP/1.1 Upgrade through the proxy as the upstream answers it: a 101 makes the connection a tunnel, anything
/// else is an ordinary response after which the client's connection is parsed as HTTP again. (WebSocket clients
/// and servers of their own: Tests/MeshctlTests/WebSocketThroughProxyTests.swift.)
@Suite("Proxy: HTTP/1.1 upgrades", .serialized)
struct ProxyUpgradeTests {
    static let upgrade =
        "GET /ws HTTP/1.1\r\nhost: a\r\nconnection: upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\n\r\n"

    @Test("a refused upgrade followed by a pipelined request: the request is routed on its own, nothing is smuggled")
    func refusedUpgradeSmugglesNothing() async throws {
        let a = try await TestBackend { request, _ in
            request.header("upgrade") == nil ? TestBackend.ok("a") : TestBackend.ok("no upgrade here", status: 403)
        }
        let b = try await TestBackend { _, _ in TestBackend.ok("b") }
        let proxy = try await ProxyHarness(.init(version: "t", listeners: [
            Listener(name: "out", kind: .outbound, address: "127.0.0.1:0"),
        ], services: [ServiceConfig(name: "a", endpoints: [a.address]), ServiceConfig(name: "b", endpoints: [b.address])]))
        let (refused, next) = try await offPool {
            let client = try RawClient(port: proxy.port)
            // One write: the upgrade and, right behind it, a request for another service.
            client.send(Self.upgrade + "GET /second HTTP/1.1\r\nhost: b\r\n\r\n")
            return (try client.readResponse(), try client.readResponse())
        }
        #expect(refused.status == 403)
        #expect(refused.text == "no upgrade here")
        #expect(next.status == 200)
        #expect(next.text == "b")
        // The upgrade went up as asked; the pipelined request reached b, through the proxy (it added its fields).
        #expect(a.requests.map(\.requestLine) == ["GET /ws HTTP/1.1"])
        #expect(a.requests.first?.header("upgrade") == "websocket")
        #expect(a.requests.first?.header("connection") == "upgrade")
        #expect(b.requests.map(\.requestLine) == ["GET /second HTTP/1.1"])
        #expect(b.requests.first?.header("x-forwarded-for") == "127.0.0.1")
        await proxy.stop()
        await a.stop()
        await b.stop()
    }

    @Test("a 101 makes a tunnel: the switch and the bytes after it reach the client, and the client's bytes go up raw")
    func switchingProtocolsTunnels() async throws {
        let backend = try await TestBackend { request, _ in
            request.requestLine.hasPrefix("GET /ws")
                ? .raw(Array("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\nserver-first".utf8))
                : TestBackend.ok("after")
        }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [ServiceConfig(name: "a", endpoints: [backend.address])]))
        let (head, first, response) = try await offPool {
            let client = try RawClient(port: proxy.port)
            client.send(Self.upgrade)
            let head = try client.readResponse()
            let first = String(decoding: try client.read(count: 12), as: UTF8.self)
            // Tunnel bytes that happen to be HTTP reach the endpoint's same connection unparsed: the test backend
            // answers them as a second request there.
            client.send("GET /raw HTTP/1.1\r\nhost: x\r\n\r\n")
            return (head, first, try client.readResponse())
        }
        #expect(head.status == 101)
        #expect(head.header("upgrade") == "websocket")
        #expect(first == "server-first")
        #expect(response.text == "after")
        #expect(backend.requests.count == 2)
        #expect(backend.connections == 1)
        // Unparsed: the proxy added nothing to the bytes of the tunnel.
        #expect(backend.requests.last?.header("x-forwarded-for") == nil)
        let metrics = try await offPool { try proxy.admin("GET", "/metrics").text }
        #expect(metrics.contains(#"mesh_tunnels_total{service="a",kind="upgrade"} 1"#))
        #expect(metrics.contains(#"mesh_tunnels_open{service="a",kind="upgrade"} 1.0"#))
        await proxy.stop()
        await backend.stop()
    }

    @Test("an upgrade is not retried once sent: an endpoint that resets it gets the client a 502, not a second try")
    func upgradeNotRetriedAfterSending() async throws {
        let backend = try await TestBackend { _, _ in .close }
        let policy = RetryPolicyConfig(name: "r", service: "a", attempts: 3, retryOn: [.gatewayError, .reset])
        let proxy = try await ProxyHarness(ProxyHarness.config(
            services: [ServiceConfig(name: "a", endpoints: [backend.address])], retryPolicies: [policy]))
        let (upgrade, plain) = try await offPool {
            let client = try RawClient(port: proxy.port)
            client.send(Self.upgrade)
            return (try client.readResponse(), try proxy.get("/plain"))
        }
        #expect(upgrade.status == 502)
        #expect(upgrade.header("x-mesh-reason") == "upstream-reset")
        #expect(plain.status == 502)
        // One request for the upgrade; the plain GET was tried three times (plus free retries on fresh connections).
        #expect(backend.requests.filter { $0.requestLine.hasPrefix("GET /ws") }.count == 1)
        #expect(backend.requests.filter { $0.requestLine.hasPrefix("GET /plain") }.count >= 3)
        await proxy.stop()
        await backend.stop()
    }
}
