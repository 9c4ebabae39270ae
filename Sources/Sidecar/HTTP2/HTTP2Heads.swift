import NIOCore
import NIOHPACK

/// Translations between HTTP/2 header blocks and the HTTP/1.1 heads the proxy's exchange engine reads and writes
/// (`DownstreamHandler`): an HTTP/2 stream is served as one HTTP/1.1 exchange, so routing, splits, balancing,
/// retries, timeouts, metrics and the access log stay the one implementation they are (RFC 9113 §8.2-§8.3 for the
/// field rules).
enum HTTP2Heads {
    /// Connection-specific fields (RFC 9113 §8.2.2): never carried into or out of HTTP/2.
    static func isHopByHop(_ name: String) -> Bool {
        switch name {
        case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "host": true
        default: false
        }
    }

    /// A name or value an HTTP/1.1 head could not carry as one field: CR, LF or NUL would split or end the line
    /// (request smuggling through a downgrade). HPACK does not forbid them; RFC 9113 §8.2.1 does.
    static func isUnsafe(_ text: String) -> Bool {
        text.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }
    }

    /// Writes `name: value` lines for every regular field of `headers` (pseudo-fields and connection-specific ones
    /// left out; Cookie crumbs joined with "; ", RFC 9113 §8.2.3). Returns false when a field cannot be carried.
    static func writeFields(
        _ headers: HPACKHeaders, into out: inout ByteBuffer, skipping skip: (String) -> Bool = { _ in false }
    ) -> Bool {
        var cookies: [String] = []
        for (name, value, _) in headers {
            if name.utf8.first == UInt8(ascii: ":") { continue }
            if isUnsafe(name) || isUnsafe(value) { return false }
            if isHopByHop(name) || skip(name) { continue }
            if name == "cookie" {
                cookies.append(value)
                continue
            }
            out.writeString(name)
            out.writeStaticString(": ")
            out.writeString(value)
            out.writeStaticString("\r\n")
        }
        if !cookies.isEmpty {
            out.writeStaticString("cookie: ")
            out.writeString(cookies.joined(separator: "; "))
            out.writeStaticString("\r\n")
        }
        return true
    }

    /// The fields of an HTTP/1.1 head (or trailer section) as HTTP/2 fields: names lower-cased, connection-specific
    /// ones and `skip`ped ones left out.
    static func fields(
        of head: HTTPHead, in bytes: UnsafeRawBufferPointer, into headers: inout HPACKHeaders,
        skipping skip: (String) -> Bool = { _ in false }
    ) {
        for field in head.fields {
            let nameBytes = UnsafeRawBufferPointer(rebasing: bytes[field.lineStart..<(field.lineStart + field.nameLength)])
            var name = String(decoding: nameBytes, as: UTF8.self)
            // Most names arrive lower-case already (always from an HTTP/2 endpoint): no second String then.
            if nameBytes.contains(where: { $0 &- UInt8(ascii: "A") < 26 }) { name = name.lowercased() }
            if isHopByHop(name) || skip(name) { continue }
            let value = String(
                decoding: UnsafeRawBufferPointer(rebasing: bytes[field.valueStart..<field.valueEnd]), as: UTF8.self)
            headers.add(name: name, value: value)
        }
    }

    /// The fields of a trailer section as the chunked framing carried it (`name: value\r\n` lines, no blank line).
    static func trailerFields(_ section: ByteBuffer) -> HPACKHeaders {
        var headers = HPACKHeaders()
        let text = String(buffer: section)
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            if isHopByHop(name) { continue }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
            headers.add(name: name, value: value)
        }
        return headers
    }

    /// A trailer section for chunked framing: `0\r\n`, the fields, the blank line.
    static func lastChunk(trailers: HPACKHeaders?, allocator: ByteBufferAllocator) -> ByteBuffer? {
        var out = allocator.buffer(capacity: 64)
        out.writeStaticString("0\r\n")
        if let trailers, !writeFields(trailers, into: &out) { return nil }
        out.writeStaticString("\r\n")
        return out
    }

    /// One chunk of chunked framing around `data`.
    static func chunk(_ data: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        var out = allocator.buffer(capacity: data.readableBytes + 12)
        out.writeString(String(data.readableBytes, radix: 16))
        out.writeStaticString("\r\n")
        var data = data
        out.writeBuffer(&data)
        out.writeStaticString("\r\n")
        return out
    }

}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let skip = Set(set)
        var start = startIndex
        var end = endIndex
        while start < end, skip.contains(self[start]) { start = index(after: start) }
        while end > start, skip.contains(self[index(before: end)]) { end = index(before: end) }
        return String(self[start..<end])
    }
}
