@testable import Sidecar
import Testing

@Suite("HTTP head parser")
struct HTTPHeadParserTests {
    private func parse(_ text: String, kind: HTTPHeadParser.Kind = .request) -> (HTTPHeadParser.Outcome, HTTPHead) {
        parse(Array(text.utf8), kind: kind)
    }

    private func parse(_ bytes: [UInt8], kind: HTTPHeadParser.Kind = .request) -> (HTTPHeadParser.Outcome, HTTPHead) {
        var parser = HTTPHeadParser(kind: kind)
        var head = HTTPHead()
        let outcome = bytes.withUnsafeBytes { parser.parse($0, into: &head) }
        return (outcome, head)
    }

    /// Calls `body` with `base` changed at every place to every byte of `bytes`.
    private func eachChange(
        of base: [UInt8], to bytes: ClosedRange<UInt8> = .min ... .max,
        _ body: (_ place: Int, _ byte: UInt8, _ changed: [UInt8]) -> Void
    ) {
        for place in base.indices {
            for byte in bytes {
                var changed = base
                changed[place] = byte
                body(place, byte, changed)
            }
        }
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

    @Test("long field names, checked eight bytes at a time: every byte at every place gets the byte-by-byte verdict")
    func longNames() {
        // Letters, digits and "-" (the bytes counted eight at a time), with the edges of each range next to them.
        let name = Array("Az-09aZ-zA90-azAZ-09-zaQ".utf8)
        let token = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!#$%&'*+-.^_`|~".utf8)
        eachChange(of: name) { place, byte, bytes in
            let (outcome, head) = parse(Array("GET / HTTP/1.1\r\nHost: x\r\n".utf8) + bytes + Array(": v\r\n\r\n".utf8))
            let expected: HTTPParseError?
            var nameLength = name.count
            switch byte {
            case _ where token.contains(byte): expected = nil
            case 0x3A where place > 0:
                expected = nil
                nameLength = place
            case 0x20, 0x09: expected = place == 0 ? .obsFold : .whitespaceBeforeColon
            default: expected = .badFieldName
            }
            if let expected {
                #expect(outcome == .failure(expected), "byte \(byte) at \(place)")
            } else {
                #expect(outcome == .complete, "byte \(byte) at \(place)")
                #expect(head.fields.count == 2 && head.fields[1].nameLength == nameLength, "byte \(byte) at \(place)")
            }
        }
    }

    @Test("the fields the proxy acts on are known by name in any case; a name one token character off is not")
    func fieldKinds() {
        let known: [(String, HTTPField.Kind)] = [
            ("te", .te), ("host", .host), ("upgrade", .upgrade), ("connection", .connection), ("keep-alive", .keepAlive),
            ("traceparent", .traceparent), ("content-length", .contentLength), ("x-forwarded-for", .xForwardedFor),
            ("proxy-connection", .proxyConnection), ("transfer-encoding", .transferEncoding),
        ]
        let tokens = (UInt8.min...UInt8.max).filter(HTTPBytes.isToken)
        // Behind a prefix, so the name does not start at the buffer's first byte.
        func kind(_ name: [UInt8]) -> HTTPField.Kind {
            let bytes = Array("xyz".utf8) + name + Array(": v".utf8)
            return bytes.withUnsafeBytes { HTTPHeadParser.kind($0, at: 3, length: name.count) }
        }
        for (text, expected) in known {
            let name = Array(text.utf8)
            #expect(kind(name) == expected)
            #expect(kind(Array(text.uppercased().utf8)) == expected)
            let mixed = name.enumerated().map { $0.offset % 2 == 0 ? $0.element : Array(String(UnicodeScalar($0.element)).uppercased().utf8)[0] }
            #expect(kind(mixed) == expected, "\(text) mixed case")
            #expect(kind(Array(name.dropLast())) == .endToEnd, "\(text) shortened")
            #expect(kind(name + Array("s".utf8)) == .endToEnd, "\(text) lengthened")
            for place in name.indices {
                for byte in tokens where HTTPBytes.lower(byte) != name[place] {
                    var other = name
                    other[place] = byte
                    #expect(kind(other) == .endToEnd, "\(text) with \(byte) at \(place)")
                }
            }
        }
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

    @Test("eight-byte classifiers agree with the byte classes, for every byte at every place and for mixed words")
    func wordClassifiers() {
        let name = { (c: UInt8) in (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) || c == 0x2D }
        let host = { (c: UInt8) in name(c) || c == 0x2E || c == 0x3A }
        let value = { (c: UInt8) in c >= 0x20 && c != 0x7F }
        func word(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } }
        func leading(_ bytes: [UInt8], _ inClass: (UInt8) -> Bool) -> Int { bytes.firstIndex { !inClass($0) } ?? 8 }
        func check(_ bytes: [UInt8]) {
            let w = word(bytes)
            #expect(HTTPBytes.leadingNameBytes(w) == leading(bytes, name), "\(bytes)")
            #expect(HTTPBytes.leadingHostBytes(w) == leading(bytes, host), "\(bytes)")
            #expect(HTTPBytes.leadingValueBytes(w) == leading(bytes, value), "\(bytes)")
        }
        // Case-folded compares a word at a time: the byte-by-byte verdict for every byte a name or value can hold.
        let fieldBytes = (UInt8.min...UInt8.max).filter { $0 >= 0x20 || $0 == 0x09 }
        for literal: StaticString in ["te", "upg", "host", "keep-alive", "content-length", "transfer-encoding"] {
            let text = Array(literal.description.utf8)
            for place in text.indices {
                for byte in fieldBytes {
                    var bytes = Array("..".utf8) + text
                    bytes[place + 2] = byte
                    bytes.withUnsafeBytes { b in
                        #expect(HTTPBytes.equalsLowercaseToken(b, 2, text.count, literal)
                            == HTTPBytes.equalsLowercase(b, 2, text.count, literal), "\(literal) with \(byte) at \(place)")
                    }
                }
            }
        }
        for filler in Array("aZ09-.:".utf8) {
            for place in 0..<8 {
                for byte in UInt8.min...UInt8.max {
                    var bytes = [UInt8](repeating: filler, count: 8)
                    bytes[place] = byte
                    check(bytes)
                }
            }
        }
        // Mixed words from bytes near every class edge, so a carry or borrow between bytes would show.
        let edges: [UInt8] = [0x00, 0x09, 0x0A, 0x0B, 0x0D, 0x1F, 0x20, 0x2C, 0x2D, 0x2E, 0x2F, 0x30, 0x39, 0x3A, 0x3B, 0x40,
                              0x41, 0x5A, 0x5B, 0x60, 0x61, 0x7A, 0x7B, 0x7E, 0x7F, 0x80, 0x8A, 0xAD, 0xC1, 0xFF]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20_000 {
            var bytes = [UInt8]()
            for _ in 0..<8 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                bytes.append(edges[Int(state >> 33) % edges.count])
            }
            check(bytes)
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

    @Test("the version, compared eight bytes at once: every byte at every place of HTTP/1.1, in requests and responses")
    func versionBytes() {
        let version = Array("HTTP/1.1".utf8)
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        for kind in [HTTPHeadParser.Kind.request, .response] {
            let bad: HTTPParseError = kind == .request ? .badRequestLine : .badStatusLine
            eachChange(of: version) { place, byte, bytes in
                let text = kind == .request
                    ? Array("GET / ".utf8) + bytes + Array("\r\nHost: x\r\n\r\n".utf8)
                    : bytes + Array(" 200 OK\r\nServer: x\r\n\r\n".utf8)
                let (outcome, head) = parse(text, kind: kind)
                let expected: HTTPHeadParser.Outcome
                switch place {
                case 5 where digits.contains(byte): expected = byte == UInt8(ascii: "1") ? .complete : .failure(.unsupportedVersion)
                case 7 where digits.contains(byte): expected = .complete
                default: expected = byte == version[place] ? .complete : .failure(bad)
                }
                #expect(outcome == expected, "\(kind) byte \(byte) at \(place)")
                if outcome == .complete { #expect(head.isHTTP11 == (bytes[7] != UInt8(ascii: "0"))) }
            }
        }
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
        // Checked eight bytes at a time: every visible or obs-text byte at every place of a long value.
        let host = Array("mesh-1.svc.example:8080".utf8)
        eachChange(of: host, to: 0x21 ... 0xFF) { place, byte, bytes in
            guard byte != 0x7F else { return }
            let outcome = parse(Array("GET / HTTP/1.1\r\nHost: ".utf8) + bytes + Array("\r\n\r\n".utf8)).0
            #expect(outcome == (HTTPBytes.isHostByte(byte) ? .complete : .failure(.badHost)), "byte \(byte) at \(place)")
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
