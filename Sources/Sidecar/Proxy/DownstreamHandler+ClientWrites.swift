import NIOCore

/// Where the exchange's response goes: its connection (through `writer`) when it has one, or the HTTP/2 stream it
/// serves (`stream`, DownstreamHandler+Stream.swift), which has no channel. The one seam between the two: an
/// HTTP/1.1 connection pays one nil check per call.
extension DownstreamHandler {
    /// Whether the exchange still has a client to answer.
    @inline(__always)
    var hasClient: Bool { context != nil || stream != nil }

    @inline(__always)
    func writeToClient(_ buffer: ByteBuffer) {
        if let context { writer.write(buffer, context: context) } else { stream?.write(buffer) }
    }

    @inline(__always)
    func flushClient() {
        if let context { writer.flush(context: context) } else { stream?.flush() }
    }

    @inline(__always)
    func writeAndFlushToClient(_ buffer: ByteBuffer) {
        if let context {
            writer.writeAndFlush(buffer, context: context)
        } else if let stream {
            stream.write(buffer)
            stream.flush()
        }
    }

    /// The client side can take more response bytes (`true`) or not: the upstream's reads follow.
    func clientWritabilityChanged(_ writable: Bool) {
        isWritable = writable
        if writable { upstream?.resumeReading() }
    }
}
