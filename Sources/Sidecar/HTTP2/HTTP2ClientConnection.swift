import NIOCore
import NIOHTTP2

/// The proxy's end of one HTTP/2 client connection: last in its pipeline, behind `HTTP2ServerCodec`, it
/// demultiplexes the frames to its streams (`DownstreamStreamBridge`) itself, each served by a `DownstreamHandler` of
/// its own that has no channel.
///
/// Why not nio-http2's child channels: a NIO channel per stream (its pipeline, activation, reads and writes through
/// it, its close) cost more CPU than the exchange it carried (docs/performance.md, "HTTP/2"); a stream here is two
/// objects and an entry in `HTTP2StreamTable`. `HTTP2UpstreamConnection` does the same for the proxy's connections
/// to endpoints.
///
/// Flow control of what the client sends: the codec keeps the connection window open; a stream's window is handed
/// back only while its exchange reads (see `DownstreamStreamBridge.acknowledge`), so each stream's window bounds what
/// the proxy holds. What the proxy sends beyond the client's windows waits in the codec; each stream's exchange stops
/// writing once it wrote a window more than the client allowed (`StreamSendWindow`).
///
/// Confined to the connection's event loop.
final class HTTP2ClientConnection: ChannelInboundHandler, HTTP2FrameSink {
    typealias InboundIn = Never

    private let loop: LoopContext
    private let listenerName: String
    /// The mTLS client's verified identity, which every stream's exchange is authorized as.
    private let peer: PeerBox?
    private var context: ChannelHandlerContext?
    /// The codec before this handler, which it writes its frames to directly.
    private var codec: HTTP2Codec?
    private var clientAddress: [UInt8] = Array("unknown".utf8)
    private(set) var allocator = ByteBufferAllocator()
    private var streams = HTTP2StreamTable<DownstreamStreamBridge>()
    /// The highest stream the client opened: a HEADERS frame on a lower, unknown one belongs to a stream already
    /// ended here (its trailers after our reset), not to a new one.
    private var lastStreamID = HTTP2StreamID(0)
    /// Within a read of this connection: flushes wait for its end.
    private var reading = false
    private var wroteInRead = false
    private(set) var isWritable = true
    /// The client's SETTINGS_INITIAL_WINDOW_SIZE: what a stream may receive before its first WINDOW_UPDATE.
    private(set) var peerInitialWindow = HTTP2Codec.initialWindow
    /// The client closed its side (EOF): the connection closes once its open streams are done.
    private var inputEnded = false

    init(loop: LoopContext, listenerName: String, peer: PeerBox?, codec: HTTP2Codec) {
        self.loop = loop
        self.listenerName = listenerName
        self.peer = peer
        self.codec = codec
        codec.sink = self
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        allocator = context.channel.allocator
        isWritable = context.channel.isWritable
        if let ip = context.channel.remoteAddress?.ipAddress { clientAddress = Array(ip.utf8) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        codec?.sink = nil
        codec = nil
    }

    func write(_ payload: HTTP2Frame.FramePayload, on id: HTTP2StreamID) {
        guard context != nil, let codec else { return }
        codec.write(payload, on: Int32(id))
        wroteInRead = true
    }

    func writeData(_ bytes: ByteBuffer, endStream: Bool = false, on id: HTTP2StreamID) {
        guard context != nil, let codec else { return }
        codec.writeData(bytes, endStream: endStream, on: Int32(id))
        wroteInRead = true
    }

    /// A stream's WINDOW_UPDATE (the codec drops it once the stream stopped receiving).
    func writeWindowUpdate(_ increment: Int, on id: HTTP2StreamID) {
        write(.windowUpdate(windowSizeIncrement: increment), on: id)
    }

    /// Within a read, what was written goes out at its end; otherwise now (the codec may still hold it to the end of
    /// the loop's turn).
    func flush() {
        if reading { return }
        wroteInRead = false
        context?.flush()
    }

    /// A stream we reset (or refused): its exchange is let go now. The codec reports the close as well; the stream is
    /// gone by then.
    func streamReset(_ id: HTTP2StreamID) {
        streams.remove(id)?.closed()
        closeIfInputEnded()
    }

    /// A client that closed its side sends no more streams: the connection closes when its last stream is done,
    /// rather than holding a socket until the idle timeout (the listeners allow half-closure for HTTP/1.1's sake).
    /// The close waits for the loop's next task: the last stream usually ends inside the codec's write of its last
    /// frame, which is not flushed yet, and a close drops what was not flushed.
    private func closeIfInputEnded() {
        guard inputEnded, streams.isEmpty, let context else { return }
        context.eventLoop.assumeIsolated().execute {
            context.flush()
            context.close(promise: nil)
        }
    }

    // MARK: frames in

    /// A frame from the codec (`HTTP2FrameSink`), within its read.
    func received(_ payload: HTTP2Frame.FramePayload, on id: Int32) {
        reading = true
        let streamID = HTTP2StreamID(id)
        switch payload {
        case .headers:
            if let stream = streams[streamID] {
                stream.received(payload, flowControlled: 0)
            } else if streamID > lastStreamID {
                lastStreamID = streamID
                open(streamID)?.received(payload, flowControlled: 0)
            }
        case .windowUpdate(let increment):
            if id != 0 { streams[streamID]?.windowOpened(by: increment) }
        case .settings(.settings(let settings)):
            for setting in settings where setting.parameter == .initialWindowSize {
                let change = setting.value - peerInitialWindow
                peerInitialWindow = setting.value
                for stream in streams.all { stream.windowOpened(by: change) }
            }
        default:
            break
        }
    }

    /// A DATA frame from the codec (`HTTP2FrameSink`), within its read.
    func receivedData(_ bytes: ByteBuffer, endStream: Bool, flowControlled: Int, on id: Int32) {
        reading = true
        streams[HTTP2StreamID(id)]?.receivedData(bytes, endStream: endStream, flowControlled: flowControlled)
    }

    /// A new stream and the exchange that serves it; nil when the exchange refused it (the loop is at its limit).
    private func open(_ id: HTTP2StreamID) -> DownstreamStreamBridge? {
        let exchange = DownstreamHandler(loop: loop, listenerName: listenerName)
        exchange.peer = peer
        let stream = DownstreamStreamBridge(id: id, connection: self, exchange: exchange)
        streams.append(stream, id: id)
        exchange.beginStream(stream, clientAddress: clientAddress, allocator: allocator)
        // A drain or the connection limit may have ended it already.
        return streams[id]
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        reading = false
        if wroteInRead { flush() }
        context.fireChannelReadComplete()
    }

    /// A stream ended (`HTTP2FrameSink`).
    func streamClosed(_ event: StreamClosedEvent) {
        streams.remove(event.streamID)?.closed()
        closeIfInputEnded()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            inputEnded = true
            closeIfInputEnded()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let open = streams.all
        streams.removeAll()
        for stream in open { stream.closed() }
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        isWritable = context.channel.isWritable
        for stream in streams.all { stream.writabilityMayHaveChanged() }
        context.fireChannelWritabilityChanged()
    }

    /// An error of the channel's (the codec answers the client's own errors with GOAWAY and closes by itself): the
    /// connection closes, and its streams end with it.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
