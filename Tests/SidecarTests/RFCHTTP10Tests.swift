import Foundation
import Sidecar
import SidecarConfig
import Testing

/// HTTP/1.0 clients (RFC 9110 §2.5, RFC 9112 §2.3, §6.1, §9.3): the proxy speaks its own version, HTTP/1.1, to the
/// upstream, and answers the client in a form an HTTP/1.0 recipient understands.
@Suite("RFC matrix: HTTP/1.0 clients", .serialized)
struct RFCHTTP10Tests {
    @Test("an HTTP/1.0 request goes upstream as HTTP/1.1, given a Host when it had none, its own Host otherwise")
    func forwardedAsHTTP11() async throws {
        let fixture = try await RFCFixture.start()
        let bare = try await fixture.sendReadToEnd("GET /a?x=1 HTTP/1.0\r\nx-keep: 1\r\n\r\n")
        let named = try await fixture.sendReadToEnd("GET /b HTTP/1.0\r\nHost: given:81\r\nconnection: x-hop\r\nx-hop: 1\r\n\r\n")
        #expect(bare.status == 200)
        #expect(named.status == 200)
        let seen = fixture.backend.requests
        #expect(seen.map(\.requestLine) == ["GET /a?x=1 HTTP/1.1", "GET /b HTTP/1.1"])
        // The fixture's service is "b": a Host-less HTTP/1.0 request names the service it was routed to.
        #expect(seen.first?.header("host") == "b")
        #expect(seen.first?.header("x-keep") == "1")
        #expect(seen.last?.header("host") == "given:81")
        #expect(seen.last?.head.lowercased().components(separatedBy: "\r\nhost:").count == 2)
        // Connection and what it names stay on the client's hop.
        #expect(seen.last?.header("connection") == nil)
        #expect(seen.last?.header("x-hop") == nil)
        await fixture.stop()
    }

    @Test("a chunked answer reaches an HTTP/1.0 client de-chunked, without Transfer-Encoding, delimited by close")
    func chunkedIsDechunked() async throws {
        let fixture = try await RFCFixture.start { _, _ in
            .raw(Array(("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nx-a: 1\r\n\r\n"
                + "2;ext=1\r\nok\r\n5\r\n-then\r\n0\r\nx-trailer: t\r\n\r\n").utf8))
        }
        // Even a client asking to keep the connection gets a close: it is what ends the body.
        let reply = try await fixture.sendReadToEnd("GET / HTTP/1.0\r\nconnection: keep-alive\r\n\r\n")
        #expect(reply.head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(reply.header("transfer-encoding") == nil)
        #expect(reply.header("content-length") == nil)
        #expect(reply.header("connection") == "close")
        #expect(reply.header("x-a") == "1")
        #expect(reply.text.hasSuffix("\r\n\r\nok-then"), "\(reply.text)")
        #expect(!reply.text.contains("x-trailer"))
        await fixture.stop()
    }

    @Test("a chunked body that arrives in pieces is de-chunked across reads")
    func dechunkedAcrossReads() async throws {
        let body = (1..<40).map { "\(String($0, radix: 16))\r\n" + String(repeating: "x", count: $0) + "\r\n" }.joined()
        let fixture = try await RFCFixture.start { _, _ in
            .raw(Array(("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + body + "0\r\n\r\n").utf8))
        }
        let reply = try await fixture.sendReadToEnd("GET / HTTP/1.0\r\n\r\n")
        let expected = String(repeating: "x", count: (1..<40).reduce(0, +))
        #expect(reply.text.components(separatedBy: "\r\n\r\n").last == expected)
        await fixture.stop()
    }

    @Test("HEAD to an HTTP/1.0 client: a chunked head loses Transfer-Encoding; the kept-alive connection goes on")
    func headWithoutTransferEncoding() async throws {
        let fixture = try await RFCFixture.start { request, _ in
            if request.requestLine.hasPrefix("HEAD") {
                return .raw(Array("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".utf8))
            }
            return TestBackend.ok("next")
        }
        let reply = try await fixture.sendReadToEnd(
            "HEAD / HTTP/1.0\r\nconnection: keep-alive\r\n\r\nGET /next HTTP/1.0\r\n\r\n")
        #expect(reply.responseCount == 2)
        #expect(reply.header("transfer-encoding") == nil)
        #expect(reply.header("connection") == "keep-alive")
        #expect(reply.text.hasSuffix("\r\n\r\nnext"))
        await fixture.stop()
    }
}
