import NIOCore

extension DownstreamHandler {
    /// A chunked response for an HTTP/1.0 client, which cannot read chunked framing (RFC 9112 §6.1): the head went
    /// out without Transfer-Encoding and with `Connection: close`, and only the chunk payload follows; the close
    /// ends the body. Sizes, extensions and trailers are dropped; a malformed chunk still cuts the connection.
    func forwardDechunked(_ buffer: inout ByteBuffer, rewrittenHead: ByteBuffer?) {
        guard var framer = responseFramer else { return }
        var data = CollectedBodyData()
        let consumed: Int
        do {
            consumed = try buffer.withUnsafeReadableBytes { try framer.consume($0, data: &data) }
        } catch {
            responseBodyMalformed(nothingSent: rewrittenHead != nil)
            return
        }
        responseFramer = framer
        if let rewrittenHead { writeToClient(rewrittenHead) }
        var out: ByteBuffer? = nil
        if !data.ranges.isEmpty {
            var payload = allocator.buffer(capacity: data.ranges.reduce(0) { $0 + $1.count })
            buffer.withUnsafeReadableBytes { bytes in
                for range in data.ranges { payload.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[range])) }
            }
            out = payload
        }
        buffer.moveReaderIndex(forwardBy: consumed)
        passResponseBytes(out, complete: framer.isDone, leftover: buffer.readableBytes)
    }
}
