import Sidecar
import SidecarConfig
import Testing

@Suite("Proxy answers of its own", .serialized)
struct ProxyFailureTests {
    @Test("503 with x-mesh-reason when the service has no endpoint, or the endpoint refuses connections")
    func serviceUnavailable() async throws {
        // A port that was just free: nothing listens there.
        let gone = try await TestBackend { _, _ in .close }
        let deadAddress = gone.address
        await gone.stop()
        let proxy = try await ProxyHarness(.init(version: "t", listeners: [
            Listener(name: "in", kind: .inbound, address: "127.0.0.1:0", service: "dead"),
            Listener(name: "out", kind: .outbound, address: "127.0.0.1:0"),
        ], services: [
            ServiceConfig(name: "dead", endpoints: [deadAddress]),
            ServiceConfig(name: "empty", endpoints: []),
        ]))
        let outbound = proxy.server.boundAddresses.first { $0.name == "out" }!.address.port
        let (refused, empty, unknown) = try await offPool {
            let a = try proxy.get()
            let b = try RawClient(port: outbound).request("GET", "/", headers: [])
            let c = try RawClient(port: outbound).request("GET", "/", headers: [])
            return (a, b, c)
        }
        #expect(refused.status == 503)
        #expect(refused.header("x-mesh-reason") == "connect-failure")
        // Host "test" names no service on the outbound listener.
        #expect(empty.status == 404)
        #expect(unknown.header("x-mesh-reason") == "no-route")
        let noEndpoint = try await offPool {
            let client = try RawClient(port: outbound)
            client.send("GET / HTTP/1.1\r\nhost: empty:80\r\n\r\n")
            return try client.readResponse()
        }
        #expect(noEndpoint.status == 503)
        #expect(noEndpoint.header("x-mesh-reason") == "no-healthy-endpoint")
        await proxy.stop()
    }

    @Test("504 when the upstream is slower than the request timeout, and the proxy serves on")
    func gatewayTimeout() async throws {
        let backend = try await TestBackend { request, _ in
            request.requestLine.contains("/slow") ? .delayed(milliseconds: 3000, TestBackend.ok()) : TestBackend.ok()
        }
        let proxy = try await ProxyHarness(
            ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])], timeout: .milliseconds(200)))
        let (slow, fast) = try await offPool { (try proxy.get("/slow"), try proxy.get("/fast")) }
        #expect(slow.status == 504)
        #expect(slow.header("x-mesh-reason") == "timeout")
        #expect(fast.status == 200)
        await proxy.stop()
        await backend.stop()
    }

    @Test("502 on an upstream protocol error: garbage, an ambiguous response, or a close before answering")
    func badGateway() async throws {
        let backend = try await TestBackend { request, _ in
            if request.requestLine.contains("/garbage") { return .raw(Array("SSH-2.0-OpenSSH\r\n\r\n".utf8)) }
            if request.requestLine.contains("/ambiguous") {
                return .raw(Array("HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n".utf8))
            }
            return .close
        }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])]))
        let replies = try await offPool { try ["/garbage", "/ambiguous", "/close"].map { try proxy.get($0) } }
        #expect(replies.map(\.status) == [502, 502, 502])
        #expect(replies[0].header("x-mesh-reason") == "upstream-protocol-error")
        #expect(replies[2].header("x-mesh-reason") == "upstream-reset")
        await proxy.stop()
        await backend.stop()
    }

    @Test("an upstream that dies mid-body: the client sees the connection close, not a complete response")
    func truncatedResponse() async throws {
        let backend = try await TestBackend { _, _ in
            // Larger than the proxy holds back for a retry (64 KiB): the head goes out, then the connection is cut.
            .raw(Array("HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\nonly-part".utf8), close: true)
        }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])]))
        let outcome: String = try await offPool {
            let client = try RawClient(port: proxy.port)
            do {
                _ = try client.request()
                return "complete"
            } catch RawClient.Failure.closed {
                return "closed"
            }
        }
        #expect(outcome == "closed")
        await proxy.stop()
        await backend.stop()
    }

    @Test("request smuggling shapes are refused with 400 and never reach the upstream")
    func smugglingRefused() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok() }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])]))
        let attacks = [
            "POST / HTTP/1.1\r\nhost: t\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nhost: t\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello!",
            "GET / HTTP/1.1\r\nhost : t\r\n\r\n",
            "GET / HTTP/1.1\r\nhost: t\r\nx-a: b\r\n c\r\n\r\n",
            "POST / HTTP/1.1\r\nhost: t\r\ntransfer-encoding: gzip\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nhost: a\r\nhost: b\r\n\r\n",
            "POST / HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
        ]
        let statuses = try await offPool {
            try attacks.map { attack in
                let client = try RawClient(port: proxy.port)
                client.send(attack)
                return try client.readResponse().status
            }
        }
        #expect(statuses.allSatisfy { $0 == 400 || $0 == 501 }, "\(statuses)")
        // The bad chunk arrives after the head was forwarded; nothing else may have reached the upstream.
        #expect(backend.requests.isEmpty)
        await proxy.stop()
        await backend.stop()
    }
}
