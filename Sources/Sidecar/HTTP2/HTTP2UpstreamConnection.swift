import NIOCore
import NIOHTTP2

/// The proxy's end of one HTTP/2 connection to an endpoint: last in its pipeline, behind `HTTP2UpstreamCodec`, it
/// demultiplexes the frames to its streams (`UpstreamStreamBridge`) itself.
///
/// Why not nio-http2's child channels: a NIO channel per stream (its pipeline, promises, activation and close) cost
/// more CPU than the whole exchange it carried (docs/performance.md, "HTTP/2"); a stream here is one object and a
/// table entry (`HTTP2StreamTable`), created and dropped within the turn that needs it.
///
/// Flow control of what the endpoint sends: the codec keeps the connection window open; a stream's window is handed
/// back only while its client takes the bytes (see `UpstreamStreamBridge.acknowledge`), so each stream's window bounds
/// what the proxy holds. Stream IDs are the client's odd ones, in the order of the HEADERS written; streams beyond
/// the server's SETTINGS_MAX_CONCURRENT_STREAMS wait in the codec until one ends.
///
/// Confined to the connection's event loop.
final class HTTP2UpstreamConnection: ChannelInboundHandler, HTTP2FrameSink {
    typealias InboundIn = Never

    private var context: ChannelHandlerContext?
    /// The codec before this handler, which it writes its frames to directly.
    private var codec: HTTP2Codec?
    private var streams = HTTP2StreamTable<UpstreamStreamBridge>()
    private var nextStreamID = 1
    /// Streams that received frames in the current read: told together at its end, so each flushes its client once.
    private var readers: [UpstreamStreamBridge] = []
    private var wroteInRead = false
    private(set) var isWritable = true
    /// The server's SETTINGS_INITIAL_WINDOW_SIZE: what a stream may send before its first WINDOW_UPDATE.
    private(set) var peerInitialWindow = HTTP2Codec.initialWindow
    let allocator = ByteBufferAllocator()

    /// The server sent GOAWAY, or stream IDs ran out: no new streams on this connection.
    var onGoAway: (() -> Void)?
    /// A stream ended, one way or another.
    var onStreamClosed: (() -> Void)?

    /// The codec (before this handler) saw the channel become active and sent its preface: frames may go.
    private var ready = false
    private var whenReady: ((Bool) -> Void)?

    var openStreams: Int { streams.count }

    var isActive: Bool { ready && (context?.channel.isActive ?? false) }

    /// Calls `body` with true once frames may be written (at once if they may now), or false if the connection closed
    /// before. The connect promise succeeds before `channelActive` reaches the pipeline, hence the wait.
    func onReady(_ body: @escaping (Bool) -> Void) {
        if ready { return body(true) }
        whenReady = body
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        isWritable = context.channel.isWritable
    }

    func channelActive(context: ChannelHandlerContext) {
        ready = true
        if let body = whenReady {
            whenReady = nil
            body(true)
        }
        context.fireChannelActive()
    }

    init(codec: HTTP2Codec) {
        self.codec = codec
        codec.sink = self
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        codec?.sink = nil
        codec = nil
    }

    /// A new stream for one exchange, seen by it as the `UpstreamHandler` returned; nil when the connection is gone.
    func openStream(endpoint: EndpointState) -> UpstreamHandler? {
        guard let context, isActive else { return nil }
        let id = HTTP2StreamID(nextStreamID)
        nextStreamID += 2
        if nextStreamID >= Int(Int32.max) - 2 { onGoAway?() }
        let handler = UpstreamHandler()
        handler.isStream = true
        handler.endpoint = endpoint
        let bridge = UpstreamStreamBridge(id: id, connection: self, handler: handler, endpoint: endpoint)
        handler.stream = bridge
        streams.append(bridge, id: id)
        return handler
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

    /// A stream that never sent its HEADERS is dropped without a frame.
    func forget(_ id: HTTP2StreamID) {
        if streams.remove(id) != nil { onStreamClosed?() }
    }

    func flush() {
        wroteInRead = false
        context?.flush()
    }

    // MARK: frames in

    /// A frame from the codec (`HTTP2FrameSink`), within its read.
    func received(_ payload: HTTP2Frame.FramePayload, on id: Int32) {
        let streamID = HTTP2StreamID(id)
        switch payload {
        case .headers:
            reader(streamID)?.received(payload, flowControlled: 0)
        case .windowUpdate(let increment):
            if id != 0 { streams[streamID]?.windowOpened(by: increment) }
        case .settings(.settings(let settings)):
            for setting in settings where setting.parameter == .initialWindowSize {
                let change = setting.value - peerInitialWindow
                peerInitialWindow = setting.value
                for stream in streams.all { stream.windowOpened(by: change) }
            }
        case .goAway:
            onGoAway?()
        default:
            break
        }
    }

    /// A DATA frame from the codec (`HTTP2FrameSink`), within its read.
    func receivedData(_ bytes: ByteBuffer, endStream: Bool, flowControlled: Int, on id: Int32) {
        reader(HTTP2StreamID(id))?.receivedData(bytes, endStream: endStream, flowControlled: flowControlled)
    }

    /// Stream `id`, listed among the streams that received frames in this read; nil when it is not open.
    private func reader(_ id: HTTP2StreamID) -> UpstreamStreamBridge? {
        guard let stream = streams[id] else { return nil }
        if !stream.inRead {
            stream.inRead = true
            readers.append(stream)
        }
        return stream
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        let done = readers
        readers.removeAll(keepingCapacity: true)
        for stream in done {
            stream.inRead = false
            stream.readComplete()
        }
        if wroteInRead { flush() }
    }

    /// A stream ended (`HTTP2FrameSink`).
    func streamClosed(_ event: StreamClosedEvent) {
        if let stream = streams.remove(event.streamID) {
            stream.closed()
            onStreamClosed?()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        ready = false
        if let body = whenReady {
            whenReady = nil
            body(false)
        }
        let open = streams.all
        streams.removeAll()
        for stream in open {
            stream.closed()
            onStreamClosed?()
        }
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        isWritable = context.channel.isWritable
        for stream in streams.all { stream.writabilityMayHaveChanged() }
        context.fireChannelWritabilityChanged()
    }

    /// A failed read or write: the connection is closed and its streams fail, to be retried or answered as resets
    /// (the codec answers a malformed frame with GOAWAY and closes by itself).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
