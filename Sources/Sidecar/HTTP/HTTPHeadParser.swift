/// A strict HTTP/1.1 head parser (RFC 9112 §2-§6) over raw bytes, built for the proxy's hot path: no copies, no
/// allocations once its field array has grown, and the framing decisions (Content-Length, Transfer-Encoding,
/// Connection, Host) made in the same pass.
///
/// Strictness is the point (request smuggling): CRLF line endings only, no whitespace before a colon, no obs-fold,
/// no control characters in values, one valid Content-Length, chunked last in Transfer-Encoding, Host exactly once.
struct HTTPHeadParser {
    enum Kind { case request, response }

    struct Limits {
        var maxStartLine = 8 * 1024
        var maxHeadSize = 64 * 1024
        var maxFields = 128
    }

    enum Outcome: Equatable {
        case incomplete
        case complete
        case failure(HTTPParseError)
    }

    /// Fields a head's array has room for before it first grows.
    static let initialFieldCapacity = 16

    let kind: Kind
    var limits = Limits()
    /// Whether an HTTP/1.1 request without Host is refused (RFC 9112 §3.2). The proxy needs Host to route; the
    /// admin endpoint does not, and answers such a request as it always has.
    var requiresHost = true
    /// Where the last incomplete scan stopped looking for the blank line, so a head arriving in many small reads
    /// is not rescanned from the start each time.
    private var scanned = 0
    /// Whether the start line of the head being received was already checked (it is complete and valid), and
    /// where the search for its end stopped: garbage is refused at its first line, not after a header timeout.
    private var startLineChecked = false
    private var lineScanned = 0
    private var options: [(start: Int, length: Int)] = []

    init(kind: Kind, limits: Limits = Limits()) {
        self.kind = kind
        self.limits = limits
    }

    mutating func reset() {
        scanned = 0
        startLineChecked = false
        lineScanned = 0
    }

    /// Parses the head at the start of `bytes` into `head` (which is reset first).
    mutating func parse(_ bytes: UnsafeRawBufferPointer, into head: inout HTTPHead) -> Outcome {
        // Find the end of the head first: most heads arrive whole, and the blank line bounds every later scan.
        let count = bytes.count
        var end = -1
        var i = Swift.max(scanned, 3)
        while i < count {
            let c = bytes[i]
            if c == 0x0A {
                if bytes[i - 1] == 0x0D && bytes[i - 2] == 0x0A && bytes[i - 3] == 0x0D {
                    end = i + 1
                    break
                }
                i += 1
            } else if c == 0x0D {
                i += 1
            } else {
                // Neither CR nor LF: no blank line can end here or in the next three bytes, which all include it.
                i += 4
            }
        }
        if end < 0 {
            scanned = Swift.max(count, 3)
            if count > limits.maxHeadSize { return .failure(.headTooLarge) }
            // A request line that alone exceeds its limit gets 414 before the whole head is in. The limit counts
            // the line without its CRLF, as the complete parse does (found by fuzz/proxy: the two disagreed).
            let lineWithCRLF = limits.maxStartLine + 2
            if kind == .request, count >= lineWithCRLF, !bytes.prefix(lineWithCRLF).contains(0x0A) {
                return .failure(.requestLineTooLong)
            }
            if !startLineChecked, let error = checkPartialStartLine(bytes) { return .failure(error) }
            return .incomplete
        }
        reset()
        if end > limits.maxHeadSize { return .failure(.headTooLarge) }
        head.reset()
        head.length = end
        let lineEnd: Int
        switch kind {
        case .request: lineEnd = parseRequestLine(bytes, end: end, into: &head)
        case .response: lineEnd = parseStatusLine(bytes, end: end, into: &head)
        }
        if lineEnd < 0 {
            if kind == .request && lineEnd == -2 { return .failure(.requestLineTooLong) }
            if lineEnd == -3 { return .failure(.unsupportedVersion) }
            return .failure(kind == .request ? .badRequestLine : .badStatusLine)
        }
        head.startLineEnd = lineEnd
        if let error = parseFields(bytes, from: lineEnd, end: end, into: &head) { return .failure(error) }
        if let error = checkFraming(&head) { return .failure(error) }
        return .complete
    }

    // MARK: start lines

    /// Checks the start line of a head that is not complete yet, so TLS bytes, binary garbage or a bad version
    /// are refused at once instead of waiting for a blank line that never comes (slow path: heads usually
    /// arrive whole). Never refuses a prefix of a valid head.
    private mutating func checkPartialStartLine(_ b: UnsafeRawBufferPointer) -> HTTPParseError? {
        let count = b.count
        var lf = -1
        var i = lineScanned
        while i < count {
            if b[i] == 0x0A {
                lf = i
                break
            }
            i += 1
        }
        lineScanned = count
        var head = HTTPHead()
        if lf >= 0 {
            let result: Int
            switch kind {
            case .request: result = parseRequestLine(b, end: lf + 1, into: &head)
            case .response: result = parseStatusLine(b, end: lf + 1, into: &head)
            }
            switch result {
            case -2: return kind == .request ? .requestLineTooLong : .badStatusLine
            case -3: return .unsupportedVersion
            case ..<0: return kind == .request ? .badRequestLine : .badStatusLine
            default:
                startLineChecked = true
                return nil
            }
        }
        // No line end yet: the bytes so far must still be able to start a valid line.
        switch kind {
        case .request:
            var j = 0
            while j < count && HTTPBytes.isToken(b[j]) { j += 1 }
            if j < count && (j == 0 || b[j] != 0x20) { return .badRequestLine }
        case .response:
            let prefix: StaticString = "HTTP/"
            let p = prefix.utf8Start
            for j in 0..<Swift.min(count, 5) where b[j] != p[j] { return .badStatusLine }
        }
        return nil
    }

    // MARK: fields

    private mutating func parseFields(
        _ b: UnsafeRawBufferPointer, from start: Int, end: Int, into head: inout HTTPHead
    ) -> HTTPParseError? {
        options.removeAll(keepingCapacity: true)
        // Room for a usual head's fields at once: a head parsed once (an HTTP/2 stream's exchange has a new one per
        // request) would otherwise grow the array 1, 2, 4, 8, 16, an allocation and a copy each.
        if head.fields.capacity == 0 { head.fields.reserveCapacity(Self.initialFieldCapacity) }
        var i = start
        while i < end - 2 {
            let lineStart = i
            // obs-fold: a line starting with whitespace continues the previous value; refused (RFC 9112 §5.2).
            let first = b[i]
            if first == 0x20 || first == 0x09 { return .obsFold }
            // Eight bytes at a time while all are letters, digits or "-" (nearly every name's bytes); the byte
            // loop decides from the first other byte (the colon, usually).
            while i &+ 8 <= end {
                let run = HTTPBytes.leadingNameBytes(b.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                i &+= run
                if run < 8 { break }
            }
            while HTTPBytes.isToken(b[i]) { i += 1 }
            let nameLength = i - lineStart
            if b[i] != 0x3A {
                if b[i] == 0x20 || b[i] == 0x09 { return nameLength > 0 ? .whitespaceBeforeColon : .obsFold }
                return .badFieldName
            }
            if nameLength == 0 { return .badFieldName }
            i += 1
            while b[i] == 0x20 || b[i] == 0x09 { i += 1 }
            let valueStart = i
            while true {
                // Eight bytes at a time to the first control byte or DEL (CR ends the value, HTAB is kept, the rest
                // is refused below): ~2 instructions a byte where a byte loop takes ~16, and values are most of a
                // head's bytes (callgrind, sessions 16-17).
                while i &+ 8 <= end {
                    let run = HTTPBytes.leadingValueBytes(b.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    i &+= run
                    if run < 8 { break }
                }
                let c = b[i]
                if c == 0x0D { break }
                guard HTTPBytes.isFieldValueByte(c) else { return .badFieldValue }
                i += 1
            }
            var valueEnd = i
            while valueEnd > valueStart && (b[valueEnd - 1] == 0x20 || b[valueEnd - 1] == 0x09) { valueEnd -= 1 }
            guard b[i + 1] == 0x0A else { return .badFieldValue }
            i += 2
            if head.fields.count >= limits.maxFields { return .tooManyFields }
            var field = HTTPField(
                lineStart: lineStart, nameLength: nameLength, valueStart: valueStart, valueEnd: valueEnd,
                lineEnd: i, kind: Self.kind(b, at: lineStart, length: nameLength))
            if let error = apply(&field, b, into: &head) { return error }
            head.fields.append(field)
        }
        if !options.isEmpty { nominate(b, into: &head) }
        return nil
    }

    /// Folds one field's framing meaning into `head`.
    private mutating func apply(_ field: inout HTTPField, _ b: UnsafeRawBufferPointer, into head: inout HTTPHead)
        -> HTTPParseError?
    {
        switch field.kind {
        case .endToEnd:
            return nil
        case .contentLength:
            // "1*DIGIT", and a list of identical values is tolerated as RFC 9112 §6.3 allows.
            var value = -1
            var current = -1
            var i = field.valueStart
            while i <= field.valueEnd {
                let c: UInt8 = i < field.valueEnd ? b[i] : 0x2C
                if c >= 0x30 && c <= 0x39 {
                    current = (current < 0 ? 0 : current)
                    let (times, o1) = current.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = times.addingReportingOverflow(Int(c - 0x30))
                    if o1 || o2 || sum > (1 << 52) { return .badContentLength }
                    current = sum
                } else if c == 0x2C {
                    if current < 0 { return .badContentLength }
                    if i < field.valueEnd { head.contentLengthRepeated = true }
                    if value >= 0 && value != current { return .badContentLength }
                    value = current
                    current = -1
                    i += 1
                    while i < field.valueEnd && (b[i] == 0x20 || b[i] == 0x09) { i += 1 }
                    continue
                } else {
                    return .badContentLength
                }
                i += 1
            }
            if let existing = head.contentLength {
                if existing != value { return .badContentLength }
                head.contentLengthRepeated = true
            }
            // Repeated values are forwarded as one field, so no next hop has to decide what a list means.
            if head.contentLengthRepeated { head.needsRewrite = true }
            head.contentLength = value
            return nil
        case .transferEncoding:
            head.hasTransferEncoding = true
            head.needsRewrite = head.needsRewrite || !head.isHTTP11
            return applyTransferEncoding(field, b, into: &head)
        case .connection:
            // The usual value whole (every keep-alive response from nginx has it), before the list walk below.
            if field.valueEnd - field.valueStart == 10
                && HTTPBytes.equalsLowercaseToken(b, field.valueStart, 10, "keep-alive")
            {
                head.connectionKeepAlive = true
                return nil
            }
            var sawOther = false
            HTTPBytes.forEachToken(b, from: field.valueStart, to: field.valueEnd) { start, length in
                if HTTPBytes.equalsLowercase(b, start, length, "close") {
                    head.connectionClose = true
                } else if HTTPBytes.equalsLowercase(b, start, length, "keep-alive") {
                    head.connectionKeepAlive = true
                } else {
                    if HTTPBytes.equalsLowercase(b, start, length, "upgrade") { head.connectionUpgrade = true }
                    sawOther = true
                    options.append((start, length))
                }
            }
            // `Connection: keep-alive` alone means what the proxy's own hop means; anything else is rewritten.
            if sawOther || head.connectionClose { head.needsRewrite = true }
            return nil
        case .host:
            // RFC 9110 §7.2 / RFC 9112 §3.2: a Host value that is not uri-host [":" port] is a 400.
            var i = field.valueStart
            while i &+ 8 <= field.valueEnd {
                let run = HTTPBytes.leadingHostBytes(b.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                i &+= run
                if run < 8 { break }
            }
            while i < field.valueEnd {
                guard HTTPBytes.isHostByte(b[i]) else { return .badHost }
                i += 1
            }
            head.hostCount += 1
            head.hostField = head.fields.count
            return nil
        case .traceparent:
            head.hasTraceparent = true
            return nil
        case .upgrade:
            head.needsRewrite = true
            head.upgradeField = head.fields.count
            return nil
        case .keepAlive, .proxyConnection, .te:
            head.needsRewrite = true
            return nil
        case .xForwardedFor, .nominated:
            return nil
        }
    }

    private func applyTransferEncoding(_ field: HTTPField, _ b: UnsafeRawBufferPointer, into head: inout HTTPHead)
        -> HTTPParseError?
    {
        var error: HTTPParseError? = nil
        var sawAny = false
        HTTPBytes.forEachToken(b, from: field.valueStart, to: field.valueEnd) { start, length in
            sawAny = true
            if head.chunked {
                // Something after chunked, or chunked twice: the body cannot be framed (RFC 9112 §6.3).
                error = error ?? .transferEncodingNotChunked
                return
            }
            if HTTPBytes.equalsLowercase(b, start, length, "chunked") {
                head.chunked = true
            } else if HTTPBytes.equalsLowercase(b, start, length, "gzip")
                || HTTPBytes.equalsLowercase(b, start, length, "x-gzip")
                || HTTPBytes.equalsLowercase(b, start, length, "deflate")
                || HTTPBytes.equalsLowercase(b, start, length, "compress")
            {
                // A known coding that must be followed by chunked; checked once all fields are in.
            } else {
                error = error ?? .unknownTransferCoding
            }
        }
        if !sawAny { return .transferEncodingNotChunked }
        return error
    }

    private func nominate(_ b: UnsafeRawBufferPointer, into head: inout HTTPHead) {
        for index in head.fields.indices where head.fields[index].kind == .endToEnd {
            let field = head.fields[index]
            for option in options where option.length == field.nameLength {
                if HTTPBytes.equalsCaseInsensitive(b, field.lineStart, b, option.start, option.length) {
                    head.fields[index].kind = .nominated
                    head.needsRewrite = true
                    break
                }
            }
        }
    }

    private func checkFraming(_ head: inout HTTPHead) -> HTTPParseError? {
        if head.hasTransferEncoding {
            if !head.isHTTP11 { return .transferEncodingInHTTP10 }
            if head.contentLength != nil { return .contentLengthAndTransferEncoding }
            // The last coding must be chunked, or the body has no reliable end (RFC 9112 §6.3).
            if !head.chunked { return .transferEncodingNotChunked }
        }
        if kind == .request && head.isHTTP11 && requiresHost {
            if head.hostCount == 0 { return .missingHost }
        }
        if head.hostCount > 1 { return .duplicateHost }
        // The proxy replaces a received Host with the absolute-form target's authority (RFC 9112 §3.2.2) and sends
        // the target on in origin-form (`HeadWriter`).
        if head.authorityEnd > 0 { head.needsRewrite = true }
        return nil
    }

    static func kind(_ b: UnsafeRawBufferPointer, at start: Int, length: Int) -> HTTPField.Kind {
        // Switch on length first: almost every field is rejected by one integer compare.
        switch length {
        case 2: return HTTPBytes.equalsLowercaseToken(b, start, 2, "te") ? .te : .endToEnd
        case 4: return HTTPBytes.equalsLowercaseToken(b, start, 4, "host") ? .host : .endToEnd
        case 7: return HTTPBytes.equalsLowercaseToken(b, start, 7, "upgrade") ? .upgrade : .endToEnd
        case 10:
            if HTTPBytes.equalsLowercaseToken(b, start, 10, "connection") { return .connection }
            if HTTPBytes.equalsLowercaseToken(b, start, 10, "keep-alive") { return .keepAlive }
            return .endToEnd
        case 11: return HTTPBytes.equalsLowercaseToken(b, start, 11, "traceparent") ? .traceparent : .endToEnd
        case 14: return HTTPBytes.equalsLowercaseToken(b, start, 14, "content-length") ? .contentLength : .endToEnd
        case 15: return HTTPBytes.equalsLowercaseToken(b, start, 15, "x-forwarded-for") ? .xForwardedFor : .endToEnd
        case 16: return HTTPBytes.equalsLowercaseToken(b, start, 16, "proxy-connection") ? .proxyConnection : .endToEnd
        case 17: return HTTPBytes.equalsLowercaseToken(b, start, 17, "transfer-encoding") ? .transferEncoding : .endToEnd
        default: return .endToEnd
        }
    }
}
