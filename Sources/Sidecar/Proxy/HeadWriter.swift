import NIOCore

/// Writes the heads the proxy forwards: the original bytes, minus hop-by-hop fields (RFC 9110 §7.6.1), plus
/// X-Forwarded-For and traceparent; every other field byte for byte and in order.
enum HeadWriter {
    @inline(__always)
    private static func isHopByHop(_ kind: HTTPField.Kind) -> Bool {
        switch kind {
        case .connection, .keepAlive, .proxyConnection, .te, .upgrade, .nominated: true
        default: false
        }
    }

    /// Writes the request head for the upstream into `out` (cleared first; its storage is reused when no one
    /// else holds it, so a kept-alive connection's heads cost no allocation).
    ///
    /// An HTTP/1.0 request goes up as HTTP/1.1, the proxy's own version (RFC 9110 §2.5, RFC 9112 §2.3); when it
    /// named no Host, `hostForHTTP10` becomes one, since HTTP/1.1 requires it (RFC 9112 §3.2).
    ///
    /// `head` is only read; it is `inout` so the handler's stored head is passed by address: passed by value, a
    /// class's stored property is copied first (~100 instructions a request, callgrind session 17).
    static func requestHead(
        _ b: UnsafeRawBufferPointer, head: inout HTTPHead, clientAddress: [UInt8], random: inout FastRandom,
        hostForHTTP10: String = "", into out: inout ByteBuffer
    ) {
        out.clear(minimumCapacity: head.length + clientAddress.count + 96)
        let lastXFF = head.fields.lastIndex { $0.kind == .xForwardedFor }
        var verbatim = UnsafeRawBufferPointer(start: nil, count: 0)
        if !head.needsRewrite && lastXFF == nil && head.isHTTP11 {
            // The common case: nothing to drop, so the head goes out in one copy, in the added fields' write.
            verbatim = UnsafeRawBufferPointer(rebasing: b[0..<(head.length - 2)])
        } else {
            if head.authorityEnd > 0 {
                writeOriginFormRequestLine(b, head: head, into: &out)
            } else if head.isHTTP11 {
                out.writeBytes(UnsafeRawBufferPointer(rebasing: b[0..<head.startLineEnd]))
            } else {
                // The request line ends in "HTTP/1.0\r\n" exactly (the parser checked it).
                out.writeBytes(UnsafeRawBufferPointer(rebasing: b[0..<(head.startLineEnd - 10)]))
                out.writeStaticString("HTTP/1.1\r\n")
            }
            if !head.isHTTP11 {
                if head.hostCount == 0 {
                    out.writeStaticString("host: ")
                    if head.authorityEnd > 0 {
                        out.writeBytes(UnsafeRawBufferPointer(rebasing: b[head.authorityStart..<head.authorityEnd]))
                    } else {
                        out.writeString(hostForHTTP10)
                    }
                    out.writeStaticString("\r\n")
                }
            }
            var lengthWritten = false
            for index in head.fields.indices {
                let field = head.fields[index]
                if isHopByHop(field.kind) {
                    if head.forwardsUpgrade && field.kind == .upgrade {
                        out.writeBytes(UnsafeRawBufferPointer(rebasing: b[field.lineStart..<field.lineEnd]))
                    }
                    continue
                }
                if field.kind == .contentLength && head.contentLengthRepeated {
                    writeContentLength(head, written: &lengthWritten, into: &out)
                } else if field.kind == .host && head.authorityEnd > 0 {
                    out.writeStaticString("host: ")
                    out.writeBytes(UnsafeRawBufferPointer(rebasing: b[head.authorityStart..<head.authorityEnd]))
                    out.writeStaticString("\r\n")
                } else if index == lastXFF {
                    out.writeBytes(UnsafeRawBufferPointer(rebasing: b[field.lineStart..<field.valueEnd]))
                    out.writeStaticString(", ")
                    out.writeBytes(clientAddress)
                    out.writeStaticString("\r\n")
                } else {
                    out.writeBytes(UnsafeRawBufferPointer(rebasing: b[field.lineStart..<field.lineEnd]))
                }
            }
        }
        // An upgrade the proxy passes on names its one hop-by-hop field again (RFC 9110 §7.8).
        writeAddedFields(
            after: verbatim, xForwardedFor: lastXFF == nil ? clientAddress : nil, traceparent: !head.hasTraceparent,
            upgrade: head.forwardsUpgrade, random: &random, into: &out)
    }

    /// Appends `verbatim` (bytes of the client's head, or none), the fields the proxy adds to a request head
    /// (X-Forwarded-For when the client sent none, a new W3C traceparent when it sent none, `Connection: upgrade`)
    /// and the blank line, in one write (see `ByteCursor`: the six writes this replaced cost more than copying the
    /// client's whole head; NIO's `writeBytes` of the head alone ~230 instructions, callgrind session 17).
    private static func writeAddedFields(
        after verbatim: UnsafeRawBufferPointer, xForwardedFor address: [UInt8]?, traceparent: Bool, upgrade: Bool,
        random: inout FastRandom, into out: inout ByteBuffer
    ) {
        let xffPrefix: StaticString = "x-forwarded-for: "
        let tracePrefix: StaticString = "traceparent: 00-"
        let traceSuffix: StaticString = "-01\r\n"
        let upgradeField: StaticString = "connection: upgrade\r\n"
        var count = verbatim.count + 2
        if let address { count += xffPrefix.utf8CodeUnitCount + address.count + 2 }
        if traceparent { count += tracePrefix.utf8CodeUnitCount + 32 + 1 + 16 + traceSuffix.utf8CodeUnitCount }  // ids, "-"
        if upgrade { count += upgradeField.utf8CodeUnitCount }
        // A new trace id (an all-zero one is invalid) and span id, sampled.
        let ids = traceparent ? (random.next() | 1, random.next(), random.next() | 1) : (0, 0, 0)
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { buffer in
            var cursor = ByteCursor(buffer.baseAddress!)
            cursor.put(verbatim)
            if let address {
                cursor.put(xffPrefix)
                address.withUnsafeBytes { cursor.put($0) }
                cursor.put(crlf)
            }
            if traceparent {
                cursor.put(tracePrefix)
                cursor.putHex(ids.0)
                cursor.putHex(ids.1)
                cursor.put("-")
                cursor.putHex(ids.2)
                cursor.put(traceSuffix)
            }
            if upgrade { cursor.put(upgradeField) }
            cursor.put(crlf)
            return cursor.offset
        }
    }

    private static let crlf: StaticString = "\r\n"

    /// An absolute-form request (`GET http://web/p?q HTTP/1.1`, what a client sends to its HTTP proxy) goes up in
    /// origin-form (`GET /p?q HTTP/1.1`), its authority in Host: the upstream is an origin server, which gets only
    /// path and query (RFC 9112 §3.2.1) and would otherwise see the whole URL as its path.
    private static func writeOriginFormRequestLine(_ b: UnsafeRawBufferPointer, head: HTTPHead,
                                                   into out: inout ByteBuffer) {
        out.writeBytes(UnsafeRawBufferPointer(rebasing: b[0..<head.targetStart]))
        let rest = head.authorityEnd..<head.targetEnd
        if rest.isEmpty || b[rest.lowerBound] != 0x2F { out.writeStaticString("/") }
        if !rest.isEmpty && b[rest.lowerBound] != 0x23 {  // a fragment is never sent (RFC 9110 §7.1)
            out.writeBytes(UnsafeRawBufferPointer(rebasing: b[rest]))
        }
        out.writeStaticString(" HTTP/1.1\r\n")
    }

    /// The first of repeated (equal) Content-Length fields becomes one clean field; the others are dropped.
    private static func writeContentLength(_ head: HTTPHead, written: inout Bool, into out: inout ByteBuffer) {
        guard !written, let length = head.contentLength else { return }
        written = true
        out.writeStaticString("content-length: ")
        out.writeString(String(length))
        out.writeStaticString("\r\n")
    }

    /// Whether a response head can go to the client exactly as the upstream sent it.
    static func responseNeedsRewrite(_ head: HTTPHead, request: HTTPHead, keepAlive: Bool) -> Bool {
        if head.needsRewrite || !head.isHTTP11 { return true }
        // An HTTP/1.0 client cannot read Transfer-Encoding (RFC 9112 §6.1): the field goes, the body is de-chunked.
        if head.chunked && !request.isHTTP11 { return true }
        if !keepAlive { return !head.connectionClose }
        // A kept-alive HTTP/1.0 client needs to be told; `Connection: close` from upstream concerns its hop only.
        return !request.isHTTP11 || head.connectionClose
    }

    /// The response head for the client, when `responseNeedsRewrite` says so.
    static func responseHead(
        _ b: UnsafeRawBufferPointer, head: HTTPHead, request: HTTPHead, keepAlive: Bool, allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        var out = allocator.buffer(capacity: head.length + 32)
        out.writeStaticString("HTTP/1.1")
        out.writeBytes(UnsafeRawBufferPointer(rebasing: b[8..<head.startLineEnd]))
        var lengthWritten = false
        for field in head.fields where !isHopByHop(field.kind) {
            if field.kind == .transferEncoding && !request.isHTTP11 { continue }
            if field.kind == .contentLength && head.contentLengthRepeated {
                writeContentLength(head, written: &lengthWritten, into: &out)
            } else {
                out.writeBytes(UnsafeRawBufferPointer(rebasing: b[field.lineStart..<field.lineEnd]))
            }
        }
        if !keepAlive {
            out.writeStaticString("connection: close\r\n")
        } else if !request.isHTTP11 {
            out.writeStaticString("connection: keep-alive\r\n")
        }
        out.writeStaticString("\r\n")
        return out
    }

    /// A response the proxy makes itself (503, 504, 502, 400...), with the reason in `x-mesh-reason`.
    static func localResponse(
        status: Int, reason: String, detail: String? = nil, retryAfter: Int? = nil, keepAlive: Bool,
        allocator: ByteBufferAllocator, grpcStatus: Int? = nil
    ) -> ByteBuffer {
        if let grpcStatus {
            // A gRPC Trailers-Only answer in HTTP/1.1 form: the status is in `grpc-status`, the body empty. The
            // HTTP/2 side sends it as one HEADERS frame ending the stream (DownstreamStreamBridge).
            var out = allocator.buffer(capacity: 200)
            out.writeString("HTTP/1.1 200 OK\r\ncontent-type: application/grpc\r\ncontent-length: 0\r\n")
            out.writeString("grpc-status: \(grpcStatus)\r\ngrpc-message: mesh proxy: \(reason)\r\nx-mesh-reason: \(reason)\r\n")
            if !keepAlive { out.writeStaticString("connection: close\r\n") }
            out.writeStaticString("\r\n")
            return out
        }
        let body = "\(status) \(reasonPhrase(status)): \(reason)\(detail.map { " (\($0))" } ?? "")\n"
        var out = allocator.buffer(capacity: 160 + body.utf8.count)
        out.writeString("HTTP/1.1 \(status) \(reasonPhrase(status))\r\n")
        out.writeString("content-type: text/plain\r\ncontent-length: \(body.utf8.count)\r\nx-mesh-reason: \(reason)\r\n")
        if let retryAfter { out.writeString("retry-after: \(retryAfter)\r\n") }
        if !keepAlive { out.writeStaticString("connection: close\r\n") }
        out.writeStaticString("\r\n")
        out.writeString(body)
        return out
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 204: "No Content"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 408: "Request Timeout"
        case 414: "URI Too Long"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: "Error"
        }
    }
}
