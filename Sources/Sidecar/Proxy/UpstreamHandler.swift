import NIOCore

/// The proxy's end of one pooled connection to an endpoint: a thin relay that hands every event to the
/// `DownstreamHandler` currently using it, and holds reads while that client cannot take more bytes.
final class UpstreamHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private(set) var context: ChannelHandlerContext?
    /// Set once connected; the pool this connection belongs to.
    var endpoint: EndpointState?
    /// The exchange using this connection, nil while it idles in the pool.
    var owner: DownstreamHandler?
    /// Whether it carried an exchange before (a reused connection closed by the server is retried fresh).
    var exchanges = 0
    /// An HTTP/2 stream (Sidecar/HTTP2/HTTP2UpstreamPool.swift) rather than a connection: one exchange, not pooled.
    var isStream = false
    /// The stream's frames, for an HTTP/2 stream: it has no channel, so its writes go there (the `context == nil`
    /// branches below, off the HTTP/1.1 path).
    var stream: UpstreamStreamBridge?
    private var readHeld = false
    private var closed = false
    private var active = false
    /// Tracked from writability events rather than asked of the channel on every read: the hot path stays out of
    /// the `Channel` existential.
    private(set) var isWritable = true
    /// Sends the request bytes (see `SocketWriter`); made on first use, so an HTTP/2 stream's handler, which has no
    /// socket, makes none.
    private lazy var writer = SocketWriter()

    /// True behind TLS (an mTLS connection to a mesh sidecar): writes go through the pipeline.
    private let writesThroughPipeline: Bool

    init(writesThroughPipeline: Bool = false) {
        self.writesThroughPipeline = writesThroughPipeline
    }

    var isUsable: Bool { active && !closed }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        active = context.channel.isActive
        if active { writer.attach(context.channel, direct: !writesThroughPipeline) }
    }

    func channelActive(context: ChannelHandlerContext) {
        active = true
        writer.attach(context.channel, direct: !writesThroughPipeline)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard let owner else {
            // Bytes on an idle connection are not the answer to anything: the connection is unusable.
            discard()
            return
        }
        owner.upstreamRead(buffer, from: self)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        owner?.upstreamReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        writer.detach()
        let wasClosed = closed
        closed = true
        if !wasClosed && !isStream { endpoint?.connectionClosed(self) }
        if let owner {
            self.owner = nil
            owner.upstreamClosed(self)
        }
    }

    /// The endpoint half-closed: a tunnel passes it on; anything else is over, as with a full close.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let event = event as? ChannelEvent, event == .inputClosed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if let owner, owner.tunnel != nil {
            owner.tunnelUpstreamInputEnded()
        } else {
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        isWritable = context.channel.isWritable
        owner?.upstreamWritabilityChanged(isWritable: isWritable)
    }

    /// Back-pressure towards the endpoint: while the client is slow, stop reading the response.
    func read(context: ChannelHandlerContext) {
        if let owner, !owner.canTakeResponseBytes {
            readHeld = true
            return
        }
        context.read()
    }

    /// The client drained its buffer: read on.
    func resumeReading() {
        guard readHeld, let context else {
            stream?.resumeReading()
            return
        }
        readHeld = false
        context.read()
    }

    @inline(__always)
    func write(_ buffer: ByteBuffer) {
        guard let context else {
            stream?.send(buffer)
            return
        }
        writer.write(buffer, context: context)
    }

    @inline(__always)
    func flush() {
        guard let context else {
            stream?.flush()
            return
        }
        writer.flush(context: context)
    }

    /// Sets the loop's write batch (once, when the pool's connect succeeds).
    func use(batch: WriteBatch?) { writer.use(batch: batch) }

    /// The common whole-request case: one system call when the socket takes it all.
    @inline(__always)
    func writeAndFlush(_ buffer: ByteBuffer) {
        guard let context else {
            stream?.send(buffer)
            stream?.flush()
            return
        }
        writer.writeAndFlush(buffer, context: context)
    }

    /// Sends the client's half-close on, so the endpoint sees the end of input as the client meant it.
    func shutdownOutput() {
        guard let context else { return }
        writer.flushNow(context: context)
        context.close(mode: .output, promise: nil)
    }

    /// Closes the connection; it will not be reused.
    func discard() {
        owner = nil
        guard let context, !closed else {
            stream?.reset()
            return
        }
        context.close(promise: nil)
    }

    /// An HTTP/2 stream's counterpart of `channelInactive`.
    func streamClosed() {
        closed = true
        if let owner {
            self.owner = nil
            owner.upstreamClosed(self)
        }
    }

    /// An HTTP/2 stream's counterpart of `channelWritabilityChanged`.
    func streamWritabilityChanged(_ writable: Bool) {
        isWritable = writable
        owner?.upstreamWritabilityChanged(isWritable: writable)
    }
}
