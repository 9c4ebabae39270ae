import NIOCore

/// Sits below the TLS handler of an mTLS connection and sends the records it encrypts the way the plaintext path
/// sends bytes (`SocketWriter`): straight to the socket with `send(2)` while NIO has nothing queued, and on a busy
/// loop at the end of the loop's turn with the other connections' sends (`WriteBatch`).
///
/// Why: without it every record went through NIO's outbound path (pipeline pass, pending-writes bookkeeping,
/// a `writev`) and was sent the moment it was encrypted, so an mTLS connection lost both savings the plaintext
/// path has. Profiled under the one-hop bench (docs/performance.md, "One mTLS hop"), that was the largest part of
/// what TLS added per request, more than the cipher itself.
///
/// Writes with a promise (a close's ordering write, a TLS alert NIOSSL waits for) go through NIO after whatever is
/// pending; a close sends what is pending first, so nothing is reordered or left behind.
final class CiphertextWriter: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let writer = SocketWriter()
    private var batch: WriteBatch?

    /// Records sent with a system call of our own, and handed to NIO instead (for tests).
    var directSends: Int { writer.directSends }
    var channelWrites: Int { writer.channelWrites }

    init(batch: WriteBatch?) {
        self.batch = batch
    }

    /// Sets the loop's batch (an upstream connection learns it from its pool once connected).
    func use(batch: WriteBatch?) {
        self.batch = batch
        writer.use(batch: batch)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // An accepted connection is active already; a connecting one attaches in channelActive.
        if context.channel.isActive { writer.attach(context.channel, batch: batch) }
    }

    func channelActive(context: ChannelHandlerContext) {
        writer.attach(context.channel, batch: batch)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        writer.detach()
        context.fireChannelInactive()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = unwrapOutboundIn(data)
        if let promise {
            writer.write(buffer, promise: promise, context: context)
        } else {
            writer.write(buffer, context: context)
        }
    }

    func flush(context: ChannelHandlerContext) {
        writer.flush(context: context)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        writer.flushNow(context: context)
        context.close(mode: mode, promise: promise)
    }
}
