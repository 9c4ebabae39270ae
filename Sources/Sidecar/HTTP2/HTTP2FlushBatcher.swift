import NIOCore

/// Holds an HTTP/2 connection's flushes to the end of the event loop's turn (`WriteBatch`), so the frames of every
/// stream that wrote in this turn leave in one system call.
///
/// Why: a stream's response is written when its upstream answers, i.e. while another connection is being read, and
/// a codec coalesces a stream's flush only within a read of its own connection; each stream then cost the
/// connection one `writev`, and each request one on the upstream connection, where HAProxy sends the frames of all
/// the streams that became ready together. Sits between the socket (or TLS) and the HTTP/2 codec (`HTTP2Codec`:
/// `HTTP2ServerCodec` on client connections, `HTTP2UpstreamCodec` on endpoint connections), which sees no difference.
/// A loop serving a single exchange flushes at once (as `SocketWriter` does); a close flushes first, so a GOAWAY
/// written just before it is never dropped.
///
/// Confined to the connection's event loop.
final class HTTP2FlushBatcher: ChannelOutboundHandler, EndOfTurnFlushing {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let batch: WriteBatch?
    private var context: ChannelHandlerContext?
    /// A flush waits in the batch.
    private var waiting = false

    init(batch: WriteBatch?) {
        self.batch = batch
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func flush(context: ChannelHandlerContext) {
        guard let batch, waiting || batch.isWorthWaiting else {
            context.flush()
            return
        }
        if !waiting {
            waiting = true
            batch.enqueue(self)
        }
    }

    func flushAtEndOfTurn() {
        guard waiting, let context else { return }
        waiting = false
        context.flush()
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if waiting {
            waiting = false
            context.flush()
        }
        context.close(mode: mode, promise: promise)
    }
}
