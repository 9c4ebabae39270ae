@testable import Sidecar
import Testing

@Suite("HTTP head parser")
struct HTTPHeadParserTests {
    private func parse(_ text: String, kind: HTTPHeadParser.Kind = .request) -> (HTTPHeadParser.Outcome, HTTPHead) {
        var parser = HTTPHeadParser(kind: kind)
        var head = HTTPHead()
        let outcome = Array(text.utf8).withUnsafeBytes { parser.parse($0, into: &head) }
        return (outcome, head)
    }

    @Test("a simple keep-alive GET")
    func simple() {
        let (outcome, head) = parse("GET /a?b HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n")
        #expect(outcome == .complete)
        #expect(head.method == .get)
        #expect(head.keepAlive)
        #expect(!head.needsRewrite)
        #expect(head.contentLength == nil)
    }

    @Test("incomplete heads wait; bytes split anywhere give the same result")
    func incremental() {
        let text = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"
        let bytes = Array(text.utf8)
        var parser = HTTPHeadParser(kind: .request)
        var head = HTTPHead()
        for end in 1..<bytes.count {
            let outcome = Array(bytes[..<end]).withUnsafeBytes { parser.parse($0, into: &head) }
            #expect(outcome == .incomplete)
        }
        #expect(bytes.withUnsafeBytes { parser.parse($0, into: &head) } == .complete)
        #expect(head.contentLength == 10)
    }

    @Test("framing faults", arguments: [
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", HTTPParseError.contentLengthAndTransferEncoding),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", .badContentLength),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\n", .badContentLength),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\n", .badContentLength),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", .badContentLength),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", .transferEncodingNotChunked),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", .transferEncodingNotChunked),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: foo, chunked\r\n\r\n", .unknownTransferCoding),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", .transferEncodingInHTTP10),
        ("GET / HTTP/1.1\r\nHost : x\r\n\r\n", .whitespaceBeforeColon),
        ("GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n  c\r\n\r\n", .obsFold),
        ("GET / HTTP/1.1\r\nHost: x\r\nA: b\u{0}c\r\n\r\n", .badFieldValue),
        ("GET / HTTP/1.1\r\nHost: x\r\nA: b\rc\r\n\r\n", .badFieldValue),
        ("GET / HTTP/1.1\r\n\r\n", .missingHost),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .duplicateHost),
        ("GET / HTTP/2.0\r\nHost: a\r\n\r\n", .unsupportedVersion),
        ("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", .badRequestLine),
        ("\u{16}\u{3}\u{1} garbage\r\n\r\n", .badRequestLine),
    ])
    func faults(text: String, error: HTTPParseError) {
        #expect(parse(text).0 == .failure(error))
    }

    @Test("long field values, checked eight bytes at a time, refuse a control byte or DEL at any place and keep the rest")
    func longValues() {
        let value = Array("abcdefghijklmnopqrstuvwx".utf8)
        func head(_ bytes: [UInt8]) -> (HTTPHeadParser.Outcome, HTTPHead, [UInt8]) {
            let text = Array("GET / HTTP/1.1\r\nHost: x\r\nA: ".utf8) + bytes + Array("\r\n\r\n".utf8)
            var parser = HTTPHeadParser(kind: .request)
            var parsed = HTTPHead()
            let outcome = text.withUnsafeBytes { parser.parse($0, into: &parsed) }
            return (outcome, parsed, text)
        }
        for place in 0..<value.count {
            for bad: UInt8 in [0x00, 0x01, 0x0A, 0x0D, 0x1F, 0x7F] {
                var bytes = value
                bytes[place] = bad
                #expect(head(bytes).0 == .failure(.badFieldValue), "byte \(bad) at \(place)")
            }
            for good: UInt8 in [0x09, 0x20, 0x80, 0xFF] where place > 0 && place < value.count - 1 {
                var bytes = value
                bytes[place] = good
                let (outcome, parsed, text) = head(bytes)
                #expect(outcome == .complete, "byte \(good) at \(place)")
                let field = parsed.fields[1]
                #expect(Array(text[field.valueStart..<field.valueEnd]) == bytes)
            }
        }
        // Whitespace around the value is not part of it, however long the value is.
        let (outcome, parsed, text) = head(Array("  ".utf8) + value + Array(" \t  \t        ".utf8))
        #expect(outcome == .complete)
        #expect(Array(text[parsed.fields[1].valueStart..<parsed.fields[1].valueEnd]) == value)
    }

    @Test("identical repeated Content-Length values are accepted")
    func repeatedContentLength() {
        let (outcome, head) = parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\n")
        #expect(outcome == .complete)
        #expect(head.contentLength == 5)
    }

    @Test("fields named by Connection become hop-by-hop")
    func nominated() {
        let (outcome, head) = parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: close, X-Foo\r\nx-foo: 1\r\nX-Bar: 2\r\n\r\n")
        #expect(outcome == .complete)
        #expect(head.fields.map(\.kind) == [.host, .connection, .nominated, .endToEnd])
        #expect(!head.keepAlive)
        #expect(head.needsRewrite)
    }

    @Test("HTTP/1.0 closes unless asked to keep alive")
    func http10() {
        #expect(!parse("GET / HTTP/1.0\r\n\r\n").1.keepAlive)
        #expect(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").1.keepAlive)
    }

    @Test("oversized heads get 431, long request lines 414")
    func limits() {
        let longLine = "GET /" + String(repeating: "a", count: 9000)
        var parser = HTTPHeadParser(kind: .request)
        var head = HTTPHead()
        #expect(Array(longLine.utf8).withUnsafeBytes { parser.parse($0, into: &head) } == .failure(.requestLineTooLong))
        let many = "GET / HTTP/1.1\r\nHost: x\r\n" + (0..<200).map { "X-\($0): 1\r\n" }.joined() + "\r\n"
        #expect(parse(many).0 == .failure(.tooManyFields))
    }

    @Test("a request line exactly at the limit is accepted however it is split; one byte over gets 414 (fuzz find)")
    func requestLineLimitSplit() {
        let limits = HTTPHeadParser.Limits(maxStartLine: 20, maxHeadSize: 1024, maxFields: 8)
        for (line, expected) in [("GET /xxxxxx HTTP/1.1", HTTPHeadParser.Outcome.complete), ("GET /xxxxxxx HTTP/1.1", .failure(.requestLineTooLong))] {
            let bytes = Array((line + "\r\nHost: x\r\n\r\n").utf8)
            for split in 1..<bytes.count {
                var parser = HTTPHeadParser(kind: .request, limits: limits)
                var head = HTTPHead()
                let first = Array(bytes[..<split]).withUnsafeBytes { parser.parse($0, into: &head) }
                let outcome = first == .incomplete ? bytes.withUnsafeBytes { parser.parse($0, into: &head) } : first
                #expect(outcome == expected, "\(line.count) bytes, split at \(split)")
            }
        }
    }

    @Test("byte classes: token and host characters are exactly the RFC sets, for all 256 bytes")
    func byteClasses() {
        let alnum = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        let token = alnum.union("!#$%&'*+-.^_`|~".utf8)
        let host = alnum.union("-._~%!$&'()*+,;=:[]".utf8)
        for c in UInt8.min...UInt8.max {
            #expect(HTTPBytes.isToken(c) == token.contains(c), "\(c)")
            #expect(HTTPBytes.isHostByte(c) == host.contains(c), "\(c)")
        }
    }

    @Test("status lines")
    func responses() {
        let (outcome, head) = parse("HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n", kind: .response)
        #expect(outcome == .complete)
        #expect(head.status == 204)
        #expect(parse("HTTP/1.1 200\r\n\r\n", kind: .response).0 == .complete)
        #expect(parse("HTTP/1.1 2000 OK\r\n\r\n", kind: .response).0 == .failure(.badStatusLine))
        #expect(parse("SSH-2.0-OpenSSH\r\n\r\n", kind: .response).0 == .failure(.badStatusLine))
    }

    @Test("an unfinished head is refused as soon as its first line (or first bytes) cannot start a valid one",
        arguments: [
            ("\u{16}\u{3}\u{1}\u{2}", HTTPHeadParser.Kind.request, HTTPParseError.badRequestLine),
            ("GET\t/", .request, .badRequestLine),
            ("GET / HTTP/9.9\r\nhost: t\r\n", .request, .unsupportedVersion),
            ("GET / HTTP/1.1\nhost", .request, .badRequestLine),
            ("SSH-2.0", .response, .badStatusLine),
            ("HTTP/1.1 2000 OK\r\nx: 1", .response, .badStatusLine),
        ])
    func earlyRefusal(text: String, kind: HTTPHeadParser.Kind, error: HTTPParseError) {
        #expect(parse(text, kind: kind).0 == .failure(error))
    }

    @Test("every prefix of a valid head waits (early checks never refuse a good head)")
    func prefixesWait() {
        for (text, kind) in [("PATCH /a?b HTTP/1.1\r\nHost: x\r\n\r\n", HTTPHeadParser.Kind.request),
                             ("HTTP/1.0 200\r\nA: b\r\n\r\n", .response)] {
            let bytes = Array(text.utf8)
            var parser = HTTPHeadParser(kind: kind)
            var head = HTTPHead()
            for end in 1..<bytes.count {
                #expect(Array(bytes[..<end]).withUnsafeBytes { parser.parse($0, into: &head) } == .incomplete, "\(end)")
            }
            #expect(bytes.withUnsafeBytes { parser.parse($0, into: &head) } == .complete)
        }
    }

    @Test("Host values: uri-host with optional port accepted, anything else refused")
    func hostValues() {
        for good in ["a.b", "a.b:8080", "[::1]:80", "xn--bcher-kva.example", ""] {
            #expect(parse("GET / HTTP/1.1\r\nHost: \(good)\r\n\r\n").0 == .complete, "\(good)")
        }
        for bad in ["a b", "a/b", "u@a", "a\"b", "a<b>"] {
            #expect(parse("GET / HTTP/1.1\r\nHost: \(bad)\r\n\r\n").0 == .failure(.badHost), "\(bad)")
        }
    }

    @Test("absolute-form targets: the authority is found; userinfo or an empty host refused")
    func absoluteForm() throws {
        let text = "GET HTTPS://Api.x:8443?q HTTP/1.1\r\nHost: y\r\n\r\n"
        let (outcome, head) = parse(text)
        #expect(outcome == .complete)
        #expect(String(decoding: Array(text.utf8)[head.authorityStart..<head.authorityEnd], as: UTF8.self) == "Api.x:8443")
        #expect(head.needsRewrite)
        #expect(parse("OPTIONS * HTTP/1.1\r\nHost: y\r\n\r\n").1.authorityEnd == 0)
        for bad in ["http://u@h/", "http:///p", "http://:80/", "http://a b/"] {
            #expect(parse("GET \(bad) HTTP/1.1\r\nHost: y\r\n\r\n").0 == .failure(.badRequestLine), "\(bad)")
        }
    }

    @Test("repeated Content-Length values are marked for a clean rewrite")
    func repeatedMarked() {
        #expect(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n").1.contentLengthRepeated)
        #expect(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n").1.needsRewrite)
        #expect(!parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n").1.needsRewrite)
    }
}

@Suite("Body framer")
struct BodyFramerTests {
    private func run(_ framing: HTTPHead.BodyFraming, _ pieces: [String]) throws(HTTPParseError) -> (consumed: Int, done: Bool) {
        var framer = BodyFramer(framing)
        var total = 0
        for piece in pieces {
            var bytes = Array(piece.utf8)
            let pointer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
            defer { pointer.deallocate() }
            bytes.withUnsafeMutableBytes { pointer.copyMemory(from: UnsafeRawBufferPointer($0)) }
            total += try framer.consume(UnsafeRawBufferPointer(pointer))
            if framer.isDone { break }
        }
        return (total, framer.isDone)
    }

    @Test("content-length counts down and stops at the end")
    func contentLength() throws {
        let result = try run(.contentLength(5), ["he", "llo", "GET /next"])
        #expect(result.consumed == 5)
        #expect(result.done)
    }

    @Test("chunked: sizes, extensions and trailers, split at every byte")
    func chunked() throws {
        let body = "5;x=y\r\nhello\r\nA \t;e=\"q\"\r\n0123456789\r\n0\r\nTrailer: t\r\n\r\n"
        for split in 1..<body.utf8.count {
            let bytes = Array(body.utf8)
            let pieces = [String(decoding: bytes[..<split], as: UTF8.self), String(decoding: bytes[split...], as: UTF8.self) + "NEXT"]
            let result = try run(.chunked, pieces)
            #expect(result.consumed == body.utf8.count)
            #expect(result.done)
        }
    }

    @Test("malformed chunks are refused", arguments: ["x\r\n", "5\r\nhelloXX", "5\nhello\r\n", "FFFFFFFFFFFFFFFFFF\r\n", "\r\n",
        "5 \r\n", "5 x\r\n", "5\t=\r\n", "5;a\nb\r\n"])
    func badChunks(text: String) {
        #expect(throws: HTTPParseError.badChunk) { try run(.chunked, [text]) }
    }
}
