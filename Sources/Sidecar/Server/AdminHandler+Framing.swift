import NIOCore

extension AdminHandler {
    /// Takes whole requests out of `received`, in order, into `requests`: each head with the proxy's own parser,
    /// each body (Content-Length or chunked) with its framer. Stops at a head or body not complete yet; a head or a
    /// chunked body that cannot be parsed queues the 400 and ends the reading (nothing after it can be framed).
    func frameRequests(allocator: ByteBufferAllocator) {
        while true {
            if current == nil {
                guard received.readableBytes > 0 else { return }
                let outcome = received.withUnsafeReadableBytes { parser.parse($0, into: &head) }
                switch outcome {
                case .incomplete:
                    return
                case .failure:
                    refuseMalformed()
                    return
                case .complete:
                    current = received.withUnsafeReadableBytes { request(from: $0) }
                    received.moveReaderIndex(forwardBy: head.length)
                    framer = BodyFramer(head.requestFraming)
                    // Said too large up front: read and dropped, not kept.
                    if let length = head.contentLength, length > AdminServer.maxBody { current?.refusal = .tooLarge }
                }
            }
            if !framer.isDone {
                guard received.readableBytes > 0 else { return }
                let keep = current?.refusal == nil
                var sink = AdminBodySink(body: keep ? takeBody(allocator: allocator) : nil)
                do {
                    let taken = try received.withUnsafeReadableBytes { bytes throws(HTTPParseError) -> Int in
                        sink.bytes = bytes
                        return try framer.consume(bytes, data: &sink)
                    }
                    received.moveReaderIndex(forwardBy: taken)
                } catch {
                    refuseMalformed()
                    return
                }
                if let body = sink.body {
                    current?.body = body
                } else if keep {
                    current?.refusal = .tooLarge
                    current?.body = ByteBuffer()
                }
                guard framer.isDone else { return }
            }
            if let request = current {
                requests.append(request)
                current = nil
            }
        }
    }

    /// The request whose head `parser` just parsed from `bytes` (without its body yet).
    private func request(from bytes: UnsafeRawBufferPointer) -> AdminRequest {
        var pathEnd = head.targetStart
        while pathEnd < head.targetEnd && bytes[pathEnd] != UInt8(ascii: "?") { pathEnd += 1 }
        let path = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[head.targetStart..<pathEnd]), as: UTF8.self)
        var authorization: UnsafeRawBufferPointer? = nil
        for field in head.fields where field.nameLength == 13
            && HTTPBytes.equalsLowercase(bytes, field.lineStart, 13, "authorization")
        {
            authorization = UnsafeRawBufferPointer(rebasing: bytes[field.valueStart..<field.valueEnd])
            break
        }
        return AdminRequest(
            method: head.method, path: path, keepAlive: head.keepAlive,
            verdict: server.adminGuard.verdict(method: head.method, authorization: authorization),
            body: ByteBuffer(), refusal: nil)
    }

    /// The body being read, taken out of `current` so the sink appends to it without a copy.
    private func takeBody(allocator: ByteBufferAllocator) -> ByteBuffer {
        guard var body = current?.body else { return ByteBuffer() }
        current?.body = ByteBuffer()
        if body.capacity == 0 { body = allocator.buffer(capacity: Swift.min(head.contentLength ?? 1024, AdminServer.maxBody)) }
        return body
    }

    /// Bytes that are not a request: the 400 after the answers before it, and nothing more is read.
    private func refuseMalformed() {
        requests.append(.malformed)
        current = nil
        readingEnded = true
        received.clear()
    }
}

/// Copies a body's payload (chunk data without sizes and trailers) into one buffer, up to `AdminServer.maxBody`;
/// past that the body is dropped (nil) and the rest of it is only framed.
struct AdminBodySink: BodyDataSink {
    var body: ByteBuffer?
    /// The bytes the framer is consuming, where its ranges point.
    var bytes = UnsafeRawBufferPointer(start: nil, count: 0)

    mutating func payload(_ range: Range<Int>) {
        guard body != nil, !range.isEmpty else { return }
        guard body!.readableBytes + range.count <= AdminServer.maxBody else {
            body = nil
            return
        }
        body!.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[range]))
    }
}
