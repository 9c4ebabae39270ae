import NIOCore
import NIOHTTP2

/// The proxy's end of one HTTP/2 connection to an endpoint: last in its pipeline, behind `HTTP2UpstreamCodec`, it
/// demultiplexes the frames to its streams (`UpstreamStreamBridge`) itself.
///
/// Why not nio-http2's child channels: a NIO channel per stream (its pipeline, promises, activation and close) cost
/// more CPU than the whole exchange it carried (docs/performance.md, "HTTP/2"); a stream here is one object and a
/// dictionary entry, created and dropped within the turn that needs it.
///
/// Flow control of what the endpoint sends: the codec keeps the connection window open; a stream's window is handed
/// back only while its client takes the bytes (see `UpstreamStreamBridge.acknowledge`), so each stream's window bounds
/// what the proxy holds. Stream IDs are the client's odd ones, in the order of the HEADERS written; streams beyond
/// the server's SETTINGS_MAX_CONCURRENT_STREAMS wait in the codec until one ends.
///
/// Confined to the connection's event loop.
final class HTTP2UpstreamConnection: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private var context: ChannelHandlerContext?
    private var streams: [HTTP2StreamID: UpstreamStreamBridge] = [:]
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

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

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
        streams[id] = bridge
        return handler
    }

    func write(_ payload: HTTP2Frame.FramePayload, on id: HTTP2StreamID) {
        guard let context else { return }
        context.write(wrapOutboundOut(HTTP2Frame(streamID: id, payload: payload)), promise: nil)
        wroteInRead = true
    }

    /// A stream's WINDOW_UPDATE (the codec drops it once the stream stopped receiving).
    func writeWindowUpdate(_ increment: Int, on id: HTTP2StreamID) {
        write(.windowUpdate(windowSizeIncrement: increment), on: id)
    }

    /// A stream that never sent its HEADERS is dropped without a frame.
    func forget(_ id: HTTP2StreamID) {
        if streams.removeValue(forKey: id) != nil { onStreamClosed?() }
    }

    func flush() {
        wroteInRead = false
        context?.flush()
    }

    // MARK: frames in

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.payload {
        case .data(let data):
            let length = data.data.readableBytes + (data.paddingBytes.map { $0 + 1 } ?? 0)
            deliver(frame.payload, to: frame.streamID, flowControlled: length)
        case .headers:
            deliver(frame.payload, to: frame.streamID, flowControlled: 0)
        case .windowUpdate(let increment):
            if frame.streamID != .rootStream { streams[frame.streamID]?.windowOpened(by: increment) }
        case .settings(.settings(let settings)):
            for setting in settings where setting.parameter == .initialWindowSize {
                let change = setting.value - peerInitialWindow
                peerInitialWindow = setting.value
                for stream in streams.values { stream.windowOpened(by: change) }
            }
        case .goAway:
            onGoAway?()
        default:
            break
        }
    }

    private func deliver(_ payload: HTTP2Frame.FramePayload, to id: HTTP2StreamID, flowControlled: Int) {
        guard let stream = streams[id] else { return }
        if !stream.inRead {
            stream.inRead = true
            readers.append(stream)
        }
        stream.received(payload, flowControlled: flowControlled)
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

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let closed = event as? StreamClosedEvent {
            if let stream = streams.removeValue(forKey: closed.streamID) {
                stream.closed()
                onStreamClosed?()
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        ready = false
        if let body = whenReady {
            whenReady = nil
            body(false)
        }
        let open = streams.values
        streams.removeAll()
        for stream in open {
            stream.closed()
            onStreamClosed?()
        }
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        isWritable = context.channel.isWritable
        for stream in streams.values { stream.writabilityMayHaveChanged() }
        context.fireChannelWritabilityChanged()
    }

    /// A failed read or write: the connection is closed and its streams fail, to be retried or answered as resets
    /// (the codec answers a malformed frame with GOAWAY and closes by itself).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
