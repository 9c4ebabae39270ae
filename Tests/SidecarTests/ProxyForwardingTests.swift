import Sidecar
import SidecarConfig
import Synchronization
import Testing

@Suite("Proxy forwarding", .serialized)
struct ProxyForwardingTests {
    @Test("keep-alive on both sides: many requests, one client connection, one upstream connection")
    func keepAliveBothSides() async throws {
        let backend = try await TestBackend { _, i in TestBackend.ok("r\(i)") }
        let proxy = try await ProxyHarness(.init(version: "t", listeners: [
            Listener(name: "in", kind: .inbound, address: "127.0.0.1:0", service: "b")
        ], services: [ServiceConfig(name: "b", endpoints: [backend.address])]))
        let bodies = try await offPool {
            let client = try RawClient(port: proxy.port)
            return try (1...20).map { _ in try client.request().text }
        }
        #expect(bodies == (1...20).map { "r\($0)" })
        #expect(backend.connections == 1)
        await proxy.stop()
        await backend.stop()
    }

    @Test("X-Forwarded-For added, traceparent created or kept, hop-by-hop fields removed, others unchanged")
    func headerRewriting() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok() }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])]))
        _ = try await offPool {
            try proxy.get(headers: ["Connection: x-secret", "X-Secret: 1", "Keep-Alive: timeout=5", "X-Keep:  a  b ", "TE: trailers"])
        }
        let trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        _ = try await offPool { try proxy.get(headers: ["traceparent: \(trace)", "X-Forwarded-For: 10.0.0.1"]) }
        let requests = backend.requests
        try #require(requests.count == 2)
        #expect(requests[0].header("x-forwarded-for") == "127.0.0.1")
        #expect(requests[0].header("traceparent")?.count == 55)
        #expect(requests[0].header("x-secret") == nil)
        #expect(requests[0].header("keep-alive") == nil)
        #expect(requests[0].header("te") == nil)
        #expect(requests[0].header("connection") == nil)
        #expect(requests[0].head.contains("X-Keep:  a  b \r\n"))
        #expect(requests[1].header("traceparent") == trace)
        #expect(requests[1].header("x-forwarded-for") == "10.0.0.1, 127.0.0.1")
        await proxy.stop()
        await backend.stop()
    }

    @Test("a 1 MiB content-length request body and a chunked one arrive intact")
    func requestBodiesStream() async throws {
        let backend = try await TestBackend { request, _ in TestBackend.ok("\(request.body.count)") }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])]))
        let big = String(repeating: "abcdefgh", count: 128 * 1024)
        let (lengthReply, chunkedReply) = try await offPool {
            let client = try RawClient(port: proxy.port)
            let first = try client.request("POST", "/upload", body: big)
            client.send("POST /c HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: 1\r\n\r\n")
            return (first.text, try client.readResponse())
        }
        #expect(lengthReply == "\(big.utf8.count)")
        #expect(chunkedReply.status == 200)
        let chunked = try #require(backend.requests.last)
        #expect(String(decoding: chunked.body, as: UTF8.self) == "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: 1\r\n\r\n")
        #expect(backend.requests.first?.body.count == big.utf8.count)
        await proxy.stop()
        await backend.stop()
    }

    @Test("a chunked response streams through unchanged and the connection stays usable")
    func chunkedResponse() async throws {
        let body = "4\r\nwiki\r\n5\r\npedia\r\n0\r\n\r\n"
        let backend = try await TestBackend { _, _ in
            .raw(Array("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n\(body)".utf8))
        }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])]))
        let texts = try await offPool {
            let client = try RawClient(port: proxy.port)
            return try [client.request().text, client.request().text]
        }
        #expect(texts == ["wikipedia", "wikipedia"])
        await proxy.stop()
        await backend.stop()
    }

    @Test("a slow client bounds what the proxy reads from the upstream (back-pressure)")
    func backPressure() async throws {
        let total = 256 * 1024 * 1024
        let backend = try await TestBackend { _, _ in .stream(count: total) }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])]))
        var client: RawClient? = try RawClient(port: proxy.port)
        client?.send("GET / HTTP/1.1\r\nhost: t\r\n\r\n")
        // The client reads nothing for a while: only socket buffers and one proxy read's worth may fill.
        try await Task.sleep(for: .milliseconds(800))
        let streamed = backend.streamedBytes
        client = nil
        #expect(streamed > 0)
        #expect(streamed < 32 * 1024 * 1024, "the upstream sent \(streamed) bytes to a client that read none")
        await proxy.stop()
        await backend.stop()
    }

    @Test("half-close: a client that shuts its write side still gets the whole response")
    func halfClose() async throws {
        let backend = try await TestBackend { _, _ in .delayed(milliseconds: 50, TestBackend.ok("late")) }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])]))
        let reply = try await offPool {
            let client = try RawClient(port: proxy.port)
            client.send("GET / HTTP/1.1\r\nhost: t\r\n\r\n")
            client.shutdownWrite()
            return try client.readResponse().text
        }
        #expect(reply == "late")
        await proxy.stop()
        await backend.stop()
    }

    @Test("HEAD and 204 responses end at the header section whatever their content-length says")
    func bodilessResponses() async throws {
        let backend = try await TestBackend { request, _ in
            request.requestLine.hasPrefix("HEAD")
                ? .raw(Array("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n".utf8))
                : .raw(Array("HTTP/1.1 204 No Content\r\n\r\n".utf8))
        }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])]))
        let statuses = try await offPool {
            let client = try RawClient(port: proxy.port)
            let head = try client.request("HEAD")
            let empty = try client.request("DELETE", "/x")
            let again = try client.request("HEAD")
            return [head.status, empty.status, again.status]
        }
        #expect(statuses == [200, 204, 200])
        await proxy.stop()
        await backend.stop()
    }
}
