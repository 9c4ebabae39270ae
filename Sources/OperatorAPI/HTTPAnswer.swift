/// Reads one HTTP/1.1 answer from the bytes received so far (`SocketBatch`): status, content type, body, and whether
/// the connection may carry the next request. The body's end is its `content-length`, or the connection's end
/// without one; a chunked answer is not read here (no proxy admin endpoint sends one).
/// Read as bytes, without making strings of the head: 201 answers per weight change (with `String` and Foundation's
/// trimming it was ~16 µs per answer, most of the push's own CPU).
enum HTTPAnswer: Equatable {
    /// More bytes are needed.
    case incomplete
    case complete(APIResponse, keepAlive: Bool)
    case malformed(String)

    /// - Parameter ended: the peer closed the connection after `bytes`.
    static func read(_ bytes: [UInt8], ended: Bool) -> HTTPAnswer {
        guard let headEnd = Self.headEnd(bytes) else {
            return ended ? .malformed("the connection closed before an answer") : .incomplete
        }
        // "HTTP/1.x SSS ..."
        guard headEnd >= 12, bytes[0..<7].elementsEqual("HTTP/1.".utf8), bytes[8] == 0x20,
              let status = Self.digits(bytes[9..<12]), status >= 100, headEnd == 12 || bytes[12] == 0x20 || bytes[12] == 0x0D
        else { return .malformed("not an HTTP/1.1 answer") }
        var keepAlive = bytes[7] == UInt8(ascii: "1")
        var length: Int?
        var contentType = ""
        var line = Self.lineEnd(bytes, from: 0, before: headEnd) + 2
        while line < headEnd {
            let end = Self.lineEnd(bytes, from: line, before: headEnd)
            if let colon = bytes[line..<end].firstIndex(of: UInt8(ascii: ":")) {
                let name = bytes[line..<colon]
                let value = Self.trimmed(bytes[(colon + 1)..<end])
                if Self.equalsLowercased(name, "content-length") {
                    guard let count = Self.digits(value) else { return .malformed("content-length") }
                    length = count
                } else if Self.equalsLowercased(name, "content-type") {
                    contentType = String(decoding: value, as: UTF8.self)
                } else if Self.equalsLowercased(name, "connection") {
                    if Self.equalsLowercased(value, "close") { keepAlive = false }
                    if Self.equalsLowercased(value, "keep-alive") { keepAlive = true }
                } else if Self.equalsLowercased(name, "transfer-encoding"), !Self.equalsLowercased(value, "identity") {
                    return .malformed("transfer-encoding \(String(decoding: value, as: UTF8.self)) is not read here")
                }
            }
            line = end + 2
        }
        let bodyStart = headEnd + 4
        if status < 200 || status == 204 || status == 304 { length = 0 }
        guard let length else {
            // No length: the body runs to the connection's end, which also ends the connection.
            guard ended else { return .incomplete }
            return .complete(APIResponse(status: status, contentType: contentType, body: Array(bytes[bodyStart...])),
                             keepAlive: false)
        }
        guard bytes.count - bodyStart >= length else {
            return ended ? .malformed("the connection closed inside the answer's body") : .incomplete
        }
        // Bytes after the answer were never asked for: the connection is not reused.
        if bytes.count - bodyStart > length || ended { keepAlive = false }
        return .complete(APIResponse(status: status, contentType: contentType, body: Array(bytes[bodyStart..<bodyStart + length])),
                         keepAlive: keepAlive)
    }

    /// Where the head's closing CRLF CRLF starts.
    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var index = 0
        while index + 3 < bytes.count {
            if bytes[index] == 0x0D && bytes[index + 1] == 0x0A && bytes[index + 2] == 0x0D && bytes[index + 3] == 0x0A {
                return index
            }
            index += 1
        }
        return nil
    }

    /// Where the line starting at `start` ends (its CR), at most `limit`.
    private static func lineEnd(_ bytes: [UInt8], from start: Int, before limit: Int) -> Int {
        var index = start
        while index < limit && !(bytes[index] == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A) { index += 1 }
        return index
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        return slice
    }

    /// A decimal number of at most 18 digits.
    private static func digits(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// ASCII case-insensitive equality with a lowercase `text`.
    private static func equalsLowercased(_ bytes: ArraySlice<UInt8>, _ text: StaticString) -> Bool {
        guard bytes.count == text.utf8CodeUnitCount else { return false }
        return text.withUTF8Buffer { expected in
            zip(bytes, expected).allSatisfy { byte, lower in (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) == lower }
        }
    }
}
