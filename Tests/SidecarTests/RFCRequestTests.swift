import Foundation
import Sidecar
import SidecarConfig
import Testing

/// One request fault and what the proxy must answer (RFC 9112 §3, §5, §6, §7; RFC 9110 §5, §7.2).
struct Refusal: Sendable, CustomTestStringConvertible {
    let rule: String
    let request: String
    let statuses: Set<Int>
    init(_ rule: String, _ request: String, _ statuses: Set<Int> = [400]) {
        self.rule = rule
        self.request = request
        self.statuses = statuses
    }
    var testDescription: String { rule }
}

@Suite("RFC matrix: requests", .serialized)
struct RFCRequestTests {
    static let post = "POST / HTTP/1.1\r\nhost: t\r\n"

    static let framing: [Refusal] = [
        Refusal("CL and TE together", post + "content-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n"),
        Refusal("TE and CL together, TE first", post + "transfer-encoding: chunked\r\ncontent-length: 0\r\n\r\n0\r\n\r\n"),
        Refusal("two differing Content-Length fields", post + "content-length: 5\r\ncontent-length: 6\r\n\r\nhello!"),
        Refusal("a Content-Length list with differing values", post + "content-length: 5, 6\r\n\r\nhello!"),
        Refusal("Content-Length with a sign", post + "content-length: +5\r\n\r\nhello"),
        Refusal("negative Content-Length", post + "content-length: -1\r\n\r\n"),
        Refusal("Content-Length in hex", post + "content-length: 0x5\r\n\r\nhello"),
        Refusal("Content-Length with a fraction", post + "content-length: 5.0\r\n\r\nhello"),
        Refusal("empty Content-Length", post + "content-length: \r\n\r\n"),
        Refusal("Content-Length with inner space", post + "content-length: 1 2\r\n\r\nhello"),
        Refusal("overflowing Content-Length", post + "content-length: 99999999999999999999999\r\n\r\n"),
        Refusal("TE whose last coding is not chunked", post + "transfer-encoding: gzip\r\n\r\n"),
        Refusal("TE with chunked before another coding", post + "transfer-encoding: chunked, gzip\r\n\r\n"),
        Refusal("TE chunked twice", post + "transfer-encoding: chunked, chunked\r\n\r\n0\r\n\r\n"),
        Refusal("TE chunked then another coding in a second field", post + "transfer-encoding: chunked\r\ntransfer-encoding: gzip\r\n\r\n"),
        Refusal("empty TE", post + "transfer-encoding: \r\n\r\n"),
        Refusal("unknown transfer coding", post + "transfer-encoding: foo, chunked\r\n\r\n0\r\n\r\n", [400, 501]),
        Refusal("identity transfer coding", post + "transfer-encoding: identity\r\n\r\n", [400, 501]),
        Refusal("TE in an HTTP/1.0 request", "POST / HTTP/1.0\r\nhost: t\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n"),
    ]

    static let chunks: [Refusal] = [
        Refusal("chunk size not hex", "zz\r\nhello\r\n0\r\n\r\n"),
        Refusal("chunk size with 0x", "0x5\r\nhello\r\n0\r\n\r\n"),
        Refusal("negative chunk size", "-1\r\nh\r\n0\r\n\r\n"),
        Refusal("overflowing chunk size", "10000000000000005\r\nhello\r\n0\r\n\r\n"),
        Refusal("chunk size followed by junk", "5 x\r\nhello\r\n0\r\n\r\n"),
        Refusal("chunk size with trailing space and no extension", "5 \r\nhello\r\n0\r\n\r\n"),
        Refusal("chunk data longer than its size", "5\r\nhelloXX\r\n0\r\n\r\n"),
        Refusal("bare LF after chunk size", "5\nhello\r\n0\r\n\r\n"),
        Refusal("empty chunk size line", "\r\n0\r\n\r\n"),
    ]

    static let fields: [Refusal] = [
        Refusal("space between field name and colon", "GET / HTTP/1.1\r\nhost : t\r\n\r\n"),
        Refusal("tab between field name and colon", "GET / HTTP/1.1\r\nhost: t\r\nx-a\t: 1\r\n\r\n"),
        Refusal("obs-fold with a space", "GET / HTTP/1.1\r\nhost: t\r\nx-a: b\r\n c\r\n\r\n"),
        Refusal("obs-fold with a tab", "GET / HTTP/1.1\r\nhost: t\r\nx-a: b\r\n\tc\r\n\r\n"),
        Refusal("NUL in a field value", "GET / HTTP/1.1\r\nhost: t\r\nx-a: b\u{0}c\r\n\r\n"),
        Refusal("CR in a field value", "GET / HTTP/1.1\r\nhost: t\r\nx-a: b\rc\r\n\r\n"),
        Refusal("bare LF ending a field line", "GET / HTTP/1.1\r\nhost: t\r\nx-a: b\nx-b: c\r\n\r\n"),
        Refusal("a field name with a separator", "GET / HTTP/1.1\r\nhost: t\r\nx(a): 1\r\n\r\n"),
        Refusal("an empty field name", "GET / HTTP/1.1\r\nhost: t\r\n: 1\r\n\r\n"),
        Refusal("bare LF line endings", "GET / HTTP/1.1\nhost: t\n\n"),
    ]

    static let targets: [Refusal] = [
        Refusal("HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n"),
        Refusal("two Host fields", "GET / HTTP/1.1\r\nhost: a\r\nhost: b\r\n\r\n"),
        Refusal("two Host fields, same value", "GET / HTTP/1.1\r\nhost: a\r\nhost: a\r\n\r\n"),
        Refusal("Host with a space", "GET / HTTP/1.1\r\nhost: a b\r\n\r\n"),
        Refusal("Host with a path", "GET / HTTP/1.1\r\nhost: a/b\r\n\r\n"),
        Refusal("Host with userinfo", "GET / HTTP/1.1\r\nhost: u@a\r\n\r\n"),
        Refusal("two spaces in the request line", "GET  / HTTP/1.1\r\nhost: t\r\n\r\n"),
        Refusal("lower-case version", "GET / http/1.1\r\nhost: t\r\n\r\n"),
        Refusal("junk after the version", "GET / HTTP/1.1 x\r\nhost: t\r\n\r\n"),
        Refusal("tab in the request target", "GET /a\tb HTTP/1.1\r\nhost: t\r\n\r\n"),
        Refusal("absolute-form with userinfo", "GET http://u:p@t/ HTTP/1.1\r\nhost: t\r\n\r\n"),
        Refusal("absolute-form with an empty host", "GET http:///x HTTP/1.1\r\nhost: t\r\n\r\n"),
        Refusal("HTTP/2.0 in an HTTP/1 request line", "GET / HTTP/2.0\r\nhost: t\r\n\r\n", [505]),
    ]

    private func refuse(_ refusal: Refusal) async throws {
        let fixture = try await RFCFixture.start()
        let reply = try await fixture.sendReadToEnd(refusal.request)
        #expect(refusal.statuses.contains(reply.status), "\(refusal.rule): got \(reply.status)")
        #expect(reply.header("connection") == "close")
        #expect(reply.responseCount == 1)
        // Nothing that could be read as a request (complete or not) reached the upstream.
        #expect(fixture.backend.requests.isEmpty)
        await fixture.stop()
    }

    @Test("message framing faults (RFC 9112 §6): refused, closed, nothing forwarded", arguments: framing)
    func framingRefused(_ refusal: Refusal) async throws { try await refuse(refusal) }

    @Test("invalid chunked bodies (RFC 9112 §7.1): 400 and close, the upstream never gets a complete request",
        arguments: chunks)
    func chunksRefused(_ refusal: Refusal) async throws {
        try await refuse(Refusal(refusal.rule, Self.post + "transfer-encoding: chunked\r\n\r\n" + refusal.request))
    }

    @Test("field syntax faults (RFC 9110 §5, RFC 9112 §5): refused", arguments: fields)
    func fieldsRefused(_ refusal: Refusal) async throws { try await refuse(refusal) }

    @Test("request line and Host faults (RFC 9112 §3): refused", arguments: targets)
    func targetsRefused(_ refusal: Refusal) async throws { try await refuse(refusal) }

    @Test("identical Content-Length values are accepted and reach the upstream as one clean field")
    func identicalContentLengths() async throws {
        let fixture = try await RFCFixture.start()
        for request in [Self.post + "content-length: 5, 5\r\n\r\nhello", Self.post + "content-length: 5\r\ncontent-length: 5\r\n\r\nhello"] {
            #expect(try await fixture.send(request).status == 200)
        }
        let seen = fixture.backend.requests
        try #require(seen.count == 2)
        for request in seen {
            #expect(request.body == Array("hello".utf8))
            let lengths = request.head.lowercased().components(separatedBy: "\r\ncontent-length:").count - 1
            #expect(lengths == 1)
            #expect(request.header("content-length") == "5")
        }
        await fixture.stop()
    }

    @Test("chunk extensions are ignored and trailers passed: the chunked body reaches the upstream byte for byte")
    func chunkedPassedThrough() async throws {
        let fixture = try await RFCFixture.start()
        let body = "5;name=\"quoted;value\"\r\nhello\r\n6 ;x\r\n world\r\n0\r\nx-checksum: abc\r\n\r\n"
        let reply = try await fixture.send(Self.post + "transfer-encoding: chunked\r\n\r\n" + body)
        #expect(reply.status == 200)
        #expect(fixture.backend.requests.first?.body == Array(body.utf8))
        await fixture.stop()
    }

    @Test("field values byte for byte (obs-text, inner spaces), same-name fields in order, target unchanged")
    func fieldsAndTargetUnchanged() async throws {
        let fixture = try await RFCFixture.start()
        let target = "/a/./b/../c//d%2Fe?q=%41&r=a+b&&s=%zz"
        let head: [UInt8] = Array("GET \(target) HTTP/1.1\r\nhost: t\r\nx-v: caf".utf8) + [0xC3, 0xA9, 0xFF]
            + Array("  a \t b\r\naccept: text/a\r\nAccept: text/b\r\ncookie: a=1\r\ncookie: b=2\r\nconnection: close\r\n\r\n".utf8)
        let reply = try await fixture.sendReadToEnd(head)
        #expect(reply.status == 200)
        let seen = try #require(fixture.backend.requests.first)
        #expect(seen.requestLine == "GET \(target) HTTP/1.1")
        let raw = Array(seen.head.utf8)
        let expected: [UInt8] = Array("x-v: caf".utf8) + [0xC3, 0xA9]
        #expect(raw.firstRange(of: expected) != nil)
        #expect(seen.head.contains("accept: text/a\r\nAccept: text/b\r\ncookie: a=1\r\ncookie: b=2\r\n"))
        await fixture.stop()
    }

    @Test("absolute-form targets go up in origin-form with Host replaced by their authority; HTTP/1.0 needs no Host (it goes up as HTTP/1.1 with one)")
    func absoluteFormAndHTTP10() async throws {
        let fixture = try await RFCFixture.start()
        let absolute = try await fixture.send("GET http://t:80/p?q=1 HTTP/1.1\r\nhost: other\r\n\r\n")
        let old = try await fixture.sendReadToEnd("GET /old HTTP/1.0\r\n\r\n")
        let bare = try await fixture.send("GET http://t HTTP/1.1\r\nhost: t\r\n\r\n")
        let query = try await fixture.send("GET http://t?x=1 HTTP/1.1\r\nhost: t\r\n\r\n")
        let old10 = try await fixture.sendReadToEnd("GET http://t/ten HTTP/1.0\r\n\r\n")
        #expect([absolute.status, old.status, bare.status, query.status, old10.status] as [Int] == [200, 200, 200, 200, 200])
        let seen = fixture.backend.requests
        #expect(seen.map(\.requestLine) == ["GET /p?q=1 HTTP/1.1", "GET /old HTTP/1.1", "GET / HTTP/1.1",
                                            "GET /?x=1 HTTP/1.1", "GET /ten HTTP/1.1"])
        #expect(seen.last?.header("host") == "t")
        #expect(seen.first?.header("host") == "t:80")
        #expect(seen.first?.head.lowercased().components(separatedBy: "\r\nhost:").count == 2)
        await fixture.stop()
    }

    @Test("absolute-form: an outbound listener routes by the target's authority, not by Host (RFC 9112 §3.2.2)")
    func absoluteFormRoutesByAuthority() async throws {
        let api = try await TestBackend { _, _ in TestBackend.ok("api") }
        let web = try await TestBackend { _, _ in TestBackend.ok("web") }
        let server = ProxyServer(configuration: SidecarConfiguration(
            version: "a", listeners: [Listener(name: "out", kind: .outbound, address: "127.0.0.1:0")],
            services: [ServiceConfig(name: "api", endpoints: [api.address]), ServiceConfig(name: "web", endpoints: [web.address])]))
        let port = try await server.start().first { $0.name == "out" }!.address.port
        let answers = try await offPool {
            try ["GET http://api:80/x HTTP/1.1\r\nhost: web\r\n\r\n", "GET http://WEB/ HTTP/1.1\r\nhost: api\r\n\r\n",
                 "GET /x HTTP/1.1\r\nhost: api\r\n\r\n"].map { request in
                let client = try RawClient(port: port)
                client.send(request)
                return try client.readResponse().text
            }
        }
        #expect(answers == ["api", "web", "api"])
        await server.drain(timeout: .seconds(2))
        await api.stop()
        await web.stop()
    }

    @Test("a Connection option naming Content-Length does not remove the body's framing")
    func connectionCannotDropFraming() async throws {
        let fixture = try await RFCFixture.start()
        let reply = try await fixture.send(Self.post + "connection: content-length, host\r\ncontent-length: 5\r\n\r\nhello")
        #expect(reply.status == 200)
        let seen = try #require(fixture.backend.requests.first)
        #expect(seen.body == Array("hello".utf8))
        #expect(seen.header("content-length") == "5")
        #expect(seen.header("host") == "t")
        await fixture.stop()
    }
}
