import NIOCore
import NIOHPACK

/// Translations between HTTP/2 header blocks and the HTTP/1.1 heads the proxy's exchange engine reads and writes
/// (`DownstreamHandler`): an HTTP/2 stream is served as one HTTP/1.1 exchange, so routing, splits, balancing,
/// retries, timeouts, metrics and the access log stay the one implementation they are (RFC 9113 §8.2-§8.3 for the
/// field rules).
enum HTTP2Heads {
    /// Connection-specific fields (RFC 9113 §8.2.2): never carried into or out of HTTP/2.
    static func isHopByHop(_ name: String) -> Bool {
        // Most names have none of these lengths: one compare instead of seven String compares.
        switch name.utf8.count {
        case 2, 4, 7, 10, 16, 17: break
        default: return false
        }
        switch name {
        case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "host": return true
        default: return false
        }
    }

    /// Writes `name: value` lines for every regular field of `headers` (pseudo-fields and connection-specific ones
    /// left out; Cookie crumbs joined with "; ", RFC 9113 §8.2.3). `headers` passed `HTTP2FieldRules` on receipt: no
    /// name or value can split a line (no CR, LF or NUL: request smuggling through a downgrade).
    static func writeFields(
        _ headers: HPACKHeaders, into out: inout ByteBuffer, skipping skip: (String) -> Bool = { _ in false }
    ) {
        var none: HPACKHeaders? = nil
        writeFields(headers, into: &out, keeping: &none, skipping: skip)
    }

    /// `writeFields`, also adding every field it carries to `kept` (when not nil) as HTTP/2 fields, unchanged (Cookie
    /// crumbs stay apart, RFC 9113 §8.2.3): what an HTTP/2 peer on the other side of the exchange is sent when the
    /// exchange passes these bytes on unchanged, so they need not be parsed back into fields there.
    static func writeFields(
        _ headers: HPACKHeaders, into out: inout ByteBuffer, keeping kept: inout HPACKHeaders?,
        skipping skip: (String) -> Bool = { _ in false }
    ) {
        var cookies: [String] = []
        for (name, value, indexing) in headers {
            if name.utf8.first == UInt8(ascii: ":") { continue }
            if isHopByHop(name) || skip(name) { continue }
            kept?.add(name: name, value: value, indexing: indexing)
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

    /// The upstream request head of an HTTP/2 client's request that the exchange forwards as the client's head
    /// verbatim plus lines of its own (`lines`: X-Forwarded-For, traceparent, ...): the client's fields as they came
    /// (pseudo-fields first, `:scheme` http, `host` as `:authority`; connection-specific ones left out, as
    /// `writeFields` leaves them out of the HTTP/1.1 form), then the added lines. The same fields a parse of the
    /// whole upstream head would give, without writing the client's fields as text and reading them back.
    static func forwardedRequest(
        _ client: HPACKHeaders, facts: HTTP2HeadFacts, addedLines lines: UnsafeRawBufferPointer
    ) -> HPACKHeaders {
        var headers = HPACKHeaders()
        headers.reserveCapacity(client.count + 4)
        headers.add(name: ":method", value: facts.method ?? "")
        headers.add(name: ":scheme", value: "http")
        if let authority = facts.authority ?? facts.host { headers.add(name: ":authority", value: authority) }
        headers.add(name: ":path", value: facts.path ?? "")
        for (name, value, indexing) in client where name.utf8.first != UInt8(ascii: ":") && !isHopByHop(name) {
            headers.add(name: name, value: value, indexing: indexing)
        }
        addLines(lines, to: &headers)
        return headers
    }

    /// Adds `name: value\r\n` lines (the exchange's own, well formed) as fields, names lower-cased.
    static func addLines(_ lines: UnsafeRawBufferPointer, to headers: inout HPACKHeaders) {
        var start = 0
        let end = lines.count
        while start < end {
            guard let colon = lines[start..<end].firstIndex(of: UInt8(ascii: ":")),
                let lineEnd = lines[colon..<end].firstIndex(of: 0x0D)
            else { return }
            var valueStart = colon + 1
            while valueStart < lineEnd, lines[valueStart] == 0x20 || lines[valueStart] == 0x09 { valueStart += 1 }
            let nameBytes = UnsafeRawBufferPointer(rebasing: lines[start..<colon])
            var name = String(decoding: nameBytes, as: UTF8.self)
            if nameBytes.contains(where: { $0 &- UInt8(ascii: "A") < 26 }) { name = name.lowercased() }
            let value = String(decoding: UnsafeRawBufferPointer(rebasing: lines[valueStart..<lineEnd]), as: UTF8.self)
            if !isHopByHop(name) { headers.add(name: name, value: value) }
            start = lineEnd + 2
        }
    }

    /// The fields of a trailer section as the chunked framing carried it (`name: value\r\n` lines, no blank line).
    static func trailerFields(_ section: ByteBuffer) -> HPACKHeaders {
        var headers = HPACKHeaders()
        let text = String(buffer: section)
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            // A line the chunked framing let through that HTTP/2 cannot carry as a field (its name not a token).
            if name.isEmpty || !name.utf8.allSatisfy(HTTPBytes.isToken) || isHopByHop(name) { continue }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
            headers.add(name: name, value: value)
        }
        return headers
    }

    /// A trailer section for chunked framing: `0\r\n`, the fields, the blank line.
    static func lastChunk(trailers: HPACKHeaders?, allocator: ByteBufferAllocator) -> ByteBuffer {
        var none: HPACKHeaders? = nil
        return lastChunk(trailers: trailers, keeping: &none, allocator: allocator)
    }

    /// `lastChunk`, also keeping the fields it carries (`writeFields`).
    static func lastChunk(
        trailers: HPACKHeaders?, keeping kept: inout HPACKHeaders?, allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        var out = allocator.buffer(capacity: 64)
        out.writeStaticString("0\r\n")
        if let trailers { writeFields(trailers, into: &out, keeping: &kept) }
        out.writeStaticString("\r\n")
        return out
    }

    /// One chunk of chunked framing around `data`.
    static func chunk(_ data: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        var out = allocator.buffer(capacity: data.readableBytes + 12)
        // The size in hex, written digit by digit (no String per chunk).
        let size = data.readableBytes
        var shift = max(0, (Int.bitWidth - size.leadingZeroBitCount - 1) / 4 * 4)
        while shift >= 0 {
            let digit = UInt8((size >> shift) & 0xF)
            out.writeInteger(digit < 10 ? digit + 0x30 : digit + 0x57)
            shift -= 4
        }
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
