/// Finds where a message body ends while its bytes pass through unchanged (RFC 9112 §6-§7).
///
/// The proxy never decodes or re-encodes a body: it asks the framer how many of the bytes at hand belong to the
/// current message and forwards exactly those. The chunked state machine validates chunk sizes (hex, no overflow)
/// and line endings, skips extensions, and passes trailers through, so a malformed body is cut off instead of
/// being reinterpreted by the next hop.
struct BodyFramer {
    enum State: Equatable {
        case contentLength(remaining: Int)
        case untilClose
        case done
        // chunked
        case chunkSize(value: Int, digits: Int)
        /// Whitespace after a chunk size: only a chunk extension may follow (BWS ";").
        case chunkSizeBWS(value: Int)
        case chunkExtension(value: Int)
        case chunkSizeLF(value: Int)
        case chunkData(remaining: Int)
        case chunkDataCR
        case chunkDataLF
        case trailerLineStart
        case trailerLine
        case trailerLineLF
        case finalLF
    }

    private(set) var state: State

    init(_ framing: HTTPHead.BodyFraming) {
        switch framing {
        case .none: state = .done
        case .contentLength(let n): state = n == 0 ? .done : .contentLength(remaining: n)
        case .chunked: state = .chunkSize(value: 0, digits: 0)
        case .untilClose: state = .untilClose
        }
    }

    var isDone: Bool { state == .done }

    /// How many of `bytes` belong to the body; `isDone` tells whether the message ended within them.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> Int {
        var none = IgnoredBodyData()
        return try consume(bytes, data: &none)
    }

    /// As `consume(_:)`, also telling `data` where the payload lies (chunk data without sizes, extensions,
    /// trailers): the proxy de-chunks a body for an HTTP/1.0 client with it. Specialised per sink, so the
    /// pass-through path pays nothing for it.
    mutating func consume<Sink: BodyDataSink>(_ bytes: UnsafeRawBufferPointer, data: inout Sink)
        throws(HTTPParseError) -> Int
    {
        let count = bytes.count
        var i = 0
        while i < count {
            switch state {
            case .done:
                return i
            case .untilClose:
                data.payload(i..<count)
                return count
            case .contentLength(let remaining):
                let take = Swift.min(remaining, count - i)
                data.payload(i..<(i + take))
                i += take
                state = take == remaining ? .done : .contentLength(remaining: remaining - take)
            case .chunkData(let remaining):
                let take = Swift.min(remaining, count - i)
                data.payload(i..<(i + take))
                i += take
                state = take == remaining ? .chunkDataCR : .chunkData(remaining: remaining - take)
            case .chunkSize(let value, let digits):
                let c = bytes[i]
                if let digit = Self.hexValue(c) {
                    // 15 hex digits keep the size below 2^60: no overflow, and no real body is that large.
                    guard digits < 15 else { throw .badChunk }
                    state = .chunkSize(value: value << 4 | digit, digits: digits + 1)
                } else if digits > 0 && c == 0x0D {
                    state = .chunkSizeLF(value: value)
                } else if digits > 0 && c == 0x3B {
                    // chunk-ext: ignored, as RFC 9112 §7.1.1 allows.
                    state = .chunkExtension(value: value)
                } else if digits > 0 && (c == 0x20 || c == 0x09) {
                    state = .chunkSizeBWS(value: value)
                } else {
                    throw .badChunk
                }
                i += 1
            case .chunkSizeBWS(let value):
                // "5 \r\n" or "5 x": not the grammar; another parser could read a different size, so refuse.
                let c = bytes[i]
                if c == 0x3B {
                    state = .chunkExtension(value: value)
                } else if c != 0x20 && c != 0x09 {
                    throw .badChunk
                }
                i += 1
            case .chunkExtension(let value):
                let c = bytes[i]
                if c == 0x0D {
                    state = .chunkSizeLF(value: value)
                } else if !HTTPBytes.isFieldValueByte(c) {
                    throw .badChunk
                }
                i += 1
            case .chunkSizeLF(let value):
                guard bytes[i] == 0x0A else { throw .badChunk }
                state = value == 0 ? .trailerLineStart : .chunkData(remaining: value)
                i += 1
                if value == 0 { data.trailers(from: i) }
            case .chunkDataCR:
                guard bytes[i] == 0x0D else { throw .badChunk }
                state = .chunkDataLF
                i += 1
            case .chunkDataLF:
                guard bytes[i] == 0x0A else { throw .badChunk }
                state = .chunkSize(value: 0, digits: 0)
                i += 1
            case .trailerLineStart:
                let c = bytes[i]
                if c == 0x0D {
                    state = .finalLF
                } else if HTTPBytes.isToken(c) {
                    state = .trailerLine
                } else {
                    throw .badChunk
                }
                i += 1
            case .trailerLine:
                let c = bytes[i]
                if c == 0x0D {
                    state = .trailerLineLF
                } else if !HTTPBytes.isFieldValueByte(c) && c != 0x3A {
                    throw .badChunk
                }
                i += 1
            case .trailerLineLF:
                guard bytes[i] == 0x0A else { throw .badChunk }
                state = .trailerLineStart
                i += 1
            case .finalLF:
                guard bytes[i] == 0x0A else { throw .badChunk }
                state = .done
                i += 1
                return i
            }
        }
        return i
    }

    @inline(__always)
    private static func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case 0x30...0x39: Int(c - 0x30)
        case 0x41...0x46: Int(c - 0x41 + 10)
        case 0x61...0x66: Int(c - 0x61 + 10)
        default: nil
        }
    }
}

/// Where `BodyFramer.consume(_:data:)` reports payload bytes.
protocol BodyDataSink {
    mutating func payload(_ range: Range<Int>)
    /// The last chunk ended at `index`: the trailer section (then the final CRLF) begins there.
    mutating func trailers(from index: Int)
}

extension BodyDataSink {
    @inline(__always) mutating func trailers(from index: Int) {}
}

/// The pass-through case: payload positions are not needed.
struct IgnoredBodyData: BodyDataSink {
    @inline(__always) mutating func payload(_ range: Range<Int>) {}
}

/// Payload ranges of the bytes consumed, in order.
struct CollectedBodyData: BodyDataSink {
    var ranges: [Range<Int>] = []
    mutating func payload(_ range: Range<Int>) {
        if !range.isEmpty { ranges.append(range) }
    }
}
