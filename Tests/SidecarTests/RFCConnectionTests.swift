import Foundation
import Sidecar
import SidecarConfig
import Testing

@Suite("RFC matrix: connections, limits, garbage", .serialized)
struct RFCConnectionTests {
    @Test("Connection: close is honoured: the response says so and the connection ends")
    func connectionClose() async throws {
        let fixture = try await RFCFixture.start()
        let reply = try await fixture.sendReadToEnd("GET / HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n")
        #expect(reply.status == 200)
        #expect(reply.header("connection") == "close")
        #expect(reply.responseCount == 1)
        await fixture.stop()
    }

    @Test("empty lines before a request line are ignored (RFC 9112 §2.2): a CRLF after a body does not cost a 400")
    func emptyLinesBeforeRequest() async throws {
        let fixture = try await RFCFixture.start()
        let reply = try await fixture.sendReadToEnd(
            "POST / HTTP/1.1\r\nhost: t\r\ncontent-length: 2\r\n\r\nab\r\n\r\nGET /next HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n")
        #expect(reply.responseCount == 2)
        #expect(reply.status == 200)
        #expect(fixture.backend.requests.map(\.requestLine) == ["POST / HTTP/1.1", "GET /next HTTP/1.1"])
        await fixture.stop()
    }

    @Test("an upstream closing pooled connections after each answer costs the client nothing")
    func upstreamClosesIdlePooled() async throws {
        // Answers without announcing the close, then closes: the pooled connection dies while idle.
        let fixture = try await RFCFixture.start { _, i in .raw(Array("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n\(i % 10)\(i % 10)".utf8), close: true) }
        let port = fixture.proxy.port
        let statuses = try await offPool {
            let client = try RawClient(port: port)
            return try (1...5).map { n in
                Thread.sleep(forTimeInterval: 0.05)
                return try client.request(n % 2 == 0 ? "POST" : "GET", "/", body: n % 2 == 0 ? "x" : nil).status
            }
        }
        #expect(statuses == [200, 200, 200, 200, 200])
        #expect(fixture.backend.connections == 5)
        await fixture.stop()
    }

    @Test("a pooled connection closed just as a GET arrives: one fresh retry, the client sees the answer")
    func stalePooledRetried() async throws {
        // Request 2 reuses the pooled connection of request 1; the server closes it without answering.
        let fixture = try await RFCFixture.start { _, i in i == 2 ? .close : TestBackend.ok("r\(i)") }
        let port = fixture.proxy.port
        let bodies = try await offPool {
            let client = try RawClient(port: port)
            return try (1...2).map { _ in try client.request().text }
        }
        #expect(bodies == ["r1", "r3"])
        await fixture.stop()
    }

    @Test("a client dying mid chunked upload: the upstream never receives a complete request")
    func clientDiesMidChunkedUpload() async throws {
        let fixture = try await RFCFixture.start()
        let port = fixture.proxy.port
        try await offPool {
            let client = try RawClient(port: port)
            client.send("POST / HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n")
            Thread.sleep(forTimeInterval: 0.1)
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(fixture.backend.requests.isEmpty)
        await fixture.stop()
    }

    static let garbage: [(String, [UInt8])] = [
        ("a TLS ClientHello", [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03] + Array(repeating: 0x41, count: 40)),
        ("binary bytes", [0x00, 0xFF, 0x13, 0x37, 0x0A, 0x0D]),
        ("an unsupported version, head unfinished", Array("GET / HTTP/9.9\r\nhost: t\r\n".utf8)),
        ("a malformed request line, head unfinished", Array("GET /\r\nhost: t\r\n".utf8)),
        // The preface alone is HTTP/2 (docs/http2.md); HTTP/1.1 after it is a malformed frame: GOAWAY and close.
        ("an HTTP/2 preface, then HTTP/1.1", Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nGET / HTTP/1.1\r\nhost: t\r\n\r\n".utf8)),
    ]

    @Test("garbage gets a 4xx/5xx or a close within a second (not after headerTimeout), and the proxy serves on",
        arguments: garbage.map(\.0))
    func garbageRefusedFast(_ name: String) async throws {
        let bytes = try #require(Self.garbage.first { $0.0 == name }?.1)
        let fixture = try await RFCFixture.start()  // headerTimeout stays at its 10 s default
        let port = fixture.proxy.port
        let (reply, next) = try await offPool {
            let client = try RawClient(port: port, timeoutSeconds: 1)
            client.send(bytes)
            let reply = RawReply(bytes: try client.readToEnd())
            return (reply, try RawClient(port: port).request().status)
        }
        #expect(reply.status == 0 || reply.status == 400 || reply.status == 505, "\(reply.text)")
        #expect(next == 200)
        #expect(fixture.backend.requests.count == 1)
        await fixture.stop()
    }

    @Test("a slow-header client is cut off with 408 without delaying other clients")
    func slowHeaderDoesNotStarve() async throws {
        let fixture = try await RFCFixture.start(limits: ProxyLimits(headerTimeout: .milliseconds(500)))
        let port = fixture.proxy.port
        let (other, slow) = try await offPool {
            let slow = try RawClient(port: port)
            slow.send("GET / HTTP/1.1\r\nhost: t\r\n")
            let other = try RawClient(port: port, timeoutSeconds: 1).request().status  // served meanwhile
            return (other, try slow.readResponse().status)
        }
        #expect(other == 200)
        #expect(slow == 408)
        await fixture.stop()
    }

    @Test("maxConnections: a connection beyond the limit is closed at accept; the others are served")
    func maxConnections() async throws {
        let fixture = try await RFCFixture.start(limits: ProxyLimits(maxConnections: 2))
        let port = fixture.proxy.port
        let (first, second, thirdClosed) = try await offPool {
            let a = try RawClient(port: port)
            let b = try RawClient(port: port)
            let first = try a.request().status
            let second = try b.request().status
            // Nothing sent, so the close arrives as an EOF (a request left unread would turn it into a reset).
            let c = try RawClient(port: port)
            return (first, second, c.isClosedByPeer())
        }
        #expect(first == 200 && second == 200)
        #expect(thirdClosed)
        await fixture.stop()
    }

    @Test("header count over the default limit: 431")
    func defaultHeaderCount() async throws {
        let fixture = try await RFCFixture.start()
        let fields = (1...129).map { "x-\($0): 1\r\n" }.joined()
        let reply = try await fixture.sendReadToEnd("GET / HTTP/1.1\r\nhost: t\r\n\(fields)\r\n")
        #expect(reply.status == 431)
        #expect(fixture.backend.requests.isEmpty)
        await fixture.stop()
    }
}
