import Sidecar
import SidecarConfig
import Testing

@Suite("Proxy persistence and interim responses", .serialized)
struct ProxyPersistenceTests {
    @Test("pipelined requests are answered in order on one connection")
    func pipelining() async throws {
        let backend = try await TestBackend { request, _ in
            let path = request.requestLine.split(separator: " ")[1]
            return .delayed(milliseconds: path == "/1" ? 30 : 0, TestBackend.ok(String(path)))
        }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])]))
        let bodies = try await offPool {
            let client = try RawClient(port: proxy.port)
            client.send((1...3).map { "GET /\($0) HTTP/1.1\r\nhost: t\r\n\r\n" }.joined())
            return try (1...3).map { _ in try client.readResponse().text }
        }
        #expect(bodies == ["/1", "/2", "/3"])
        await proxy.stop()
        await backend.stop()
    }

    @Test("HTTP/1.0 closes after the response unless it asked to keep alive, then it is told so")
    func http10() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("ten") }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])]))
        let (plain, closed, kept, stillOpen) = try await offPool {
            let a = try RawClient(port: proxy.port)
            a.send("GET / HTTP/1.0\r\n\r\n")
            let plain = try a.readResponse()
            let closed = a.isClosedByPeer()
            let b = try RawClient(port: proxy.port)
            b.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let kept = try b.readResponse()
            b.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let again = try b.readResponse()
            return (plain, closed, kept, again.status == 200)
        }
        #expect(plain.text == "ten")
        #expect(plain.head.hasPrefix("HTTP/1.1 200"))
        #expect(closed)
        #expect(kept.header("connection")?.lowercased() == "keep-alive")
        #expect(stillOpen)
        await proxy.stop()
        await backend.stop()
    }

    @Test("Expect: 100-continue: the interim 100 reaches the client before the final response")
    func expectContinue() async throws {
        let backend = try await TestBackend { request, _ in
            .raw(Array("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: \(request.body.count)\r\n\r\n".utf8)
                + request.body)
        }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])]))
        let (interim, final) = try await offPool {
            let client = try RawClient(port: proxy.port)
            client.send("PUT /x HTTP/1.1\r\nhost: t\r\nexpect: 100-continue\r\ncontent-length: 5\r\n\r\nhello")
            return (try client.readResponse(), try client.readResponse(method: "PUT"))
        }
        #expect(interim.status == 100)
        #expect(final.status == 200)
        #expect(final.text == "hello")
        #expect(backend.requests.first?.header("expect") == "100-continue")
        await proxy.stop()
        await backend.stop()
    }

    @Test("a response delimited by close reaches the client complete, then the connection closes")
    func closeDelimited() async throws {
        let backend = try await TestBackend { _, _ in .raw(Array("HTTP/1.1 200 OK\r\n\r\nall of it".utf8), close: true) }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])]))
        let reply = try await offPool {
            let client = try RawClient(port: proxy.port)
            client.send("GET / HTTP/1.1\r\nhost: t\r\n\r\n")
            return String(decoding: try client.readToEnd(), as: UTF8.self)
        }
        #expect(reply.hasSuffix("\r\n\r\nall of it"))
        #expect(reply.lowercased().contains("connection: close"))
        await proxy.stop()
        await backend.stop()
    }
}

@Suite("Proxy limits", .serialized)
struct ProxyLimitsTests {
    private func config(_ backend: TestBackend, limits: ProxyLimits) -> SidecarConfiguration {
        var config = ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])])
        config.limits = limits
        return config
    }

    @Test("header section and request line limits answer 431 and 414, as configured")
    func sizeLimits() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok() }
        let proxy = try await ProxyHarness(config(backend, limits: ProxyLimits(maxRequestLineBytes: 100, maxHeaderBytes: 300, maxHeaderCount: 5)))
        let statuses = try await offPool {
            [
                try proxy.get(headers: ["x-big: " + String(repeating: "a", count: 400)]).status,
                try proxy.get("/" + String(repeating: "p", count: 200)).status,
                try proxy.get(headers: (1...6).map { "x-\($0): 1" }).status,
                try proxy.get(headers: ["x-ok: 1"]).status,
            ]
        }
        #expect(statuses == [431, 414, 431, 200])
        await proxy.stop()
        await backend.stop()
    }

    @Test("a slow header sender gets 408 after headerTimeout; an idle connection closes after idleTimeout")
    func slowAndIdleClients() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok() }
        let proxy = try await ProxyHarness(config(backend, limits: ProxyLimits(headerTimeout: .milliseconds(200), idleTimeout: .milliseconds(300))))
        let (slow, idleClosed, served) = try await offPool {
            let slow = try RawClient(port: proxy.port)
            slow.send("GET / HTTP/1.1\r\nhost: t\r\n")  // never finishes the head
            let answer = try slow.readResponse()
            let idle = try RawClient(port: proxy.port)
            let first = try idle.request()
            // Nothing more is sent: the proxy closes the connection (EOF) within the receive timeout.
            return (answer.status, idle.isClosedByPeer(), first.status)
        }
        #expect(slow == 408)
        #expect(served == 200)
        #expect(idleClosed)
        await proxy.stop()
        await backend.stop()
    }
}
