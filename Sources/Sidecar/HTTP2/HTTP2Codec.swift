import NIOCore
import NIOHPACK
import NIOHTTP2

/// The proxy's own HTTP/2 codec, in place of nio-http2's `NIOHTTP2Handler`: bytes on the socket's side, `HTTP2Frame`s
/// on the other, where the connection handler hands them to its streams. What both ends of a proxied request share
/// is here; what a role adds is in its subclass: `HTTP2UpstreamCodec` on connections to endpoints (client role: it
/// opens streams), `HTTP2ServerCodec` on client connections (server role: its limits, abuse bounds, idle timeout and
/// graceful GOAWAY).
///
/// Why our own: nio-http2 kept a state machine per stream and per connection, validated and re-encoded every frame
/// and buffered events, which the connection handlers (already without nio-http2's multiplexer) never used; its
/// outbound frame processing alone was ~25 % of the proxy's CPU per request, on each of a request's two connections
/// (docs/performance.md, "HTTP/2"). This does what the proxy needs and no more (RFC 9113):
/// - SETTINGS both ways (the peer's INITIAL_WINDOW_SIZE and MAX_FRAME_SIZE applied, ACKed), PING
///   answered;
/// - frames parsed with the limits RFC 9113 sets; a malformed one is a connection error: GOAWAY with its code, close;
///   HPACK through our own encoder and decoder (`HPACKBlockEncoder`, `HPACKBlockDecoder`);
/// - send-side flow control: DATA beyond the stream's or the connection's window is held until a WINDOW_UPDATE (or a
///   larger SETTINGS_INITIAL_WINDOW_SIZE);
/// - the connection's receive window kept at `connectionWindow` here, from every DATA frame received (those of
///   streams already closed too); each stream's is handed back by the connection handler's WINDOW_UPDATEs;
/// - a stream's end (both END_STREAMs, or RST_STREAM either way) told to the handler as `StreamClosedEvent`, after
///   the frame that ended it; one that ends because of a frame the handler writes is told on its next flush, never
///   inside its write.
///
/// The connection handler after the codec (`HTTP2FrameSink`) and the codec call each other directly: frames and stream
/// ends are not passed along the pipeline (each frame boxed in `NIOAny`, a pipeline pass, a dynamic cast per ended
/// stream); flushes, reads' ends and the channel's events still are.
///
/// Frames written between two flushes leave in one buffer (small DATA payloads copied into it), so a flush is one
/// write. On a busy loop a flush waits for the end of the loop's turn (`WriteBatch`), and the frames of every stream
/// that wrote in this turn go out together in that one buffer.
///
/// Why the codec holds its flushes itself (rather than a handler below it holding the flush of what it already
/// passed down): a stream's response is written when its upstream answers, i.e. while another connection is being
/// read, so each stream's frames became a buffer and a pipeline write of their own; held here, they join the
/// buffer of the turn. A loop serving a single exchange flushes at once (as `SocketWriter` does); a close flushes
/// first, so frames written just before it are never dropped.
///
/// Confined to the connection's event loop.
class HTTP2Codec: ChannelDuplexHandler, EndOfTurnFlushing {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = Never
    typealias OutboundIn = Never
    typealias OutboundOut = ByteBuffer

    /// What the proxy announces: SETTINGS_MAX_HEADER_LIST_SIZE and SETTINGS_INITIAL_WINDOW_SIZE, and the connection
    /// window it keeps open.
    struct Limits {
        var maxHeaderListSize: Int
        var streamWindow: Int
        var connectionWindow: Int
    }

    /// A window before any WINDOW_UPDATE or SETTINGS (RFC 9113 §6.9.2), the connection's and each stream's.
    static let initialWindow = 65_535
    /// CONTINUATION frames one header block may take; more is a flood (RFC 9113 §10.5).
    static let maxContinuations = 64
    /// PINGs and SETTINGS answered while the socket is not writable, past which the peer is flooding.
    static let maxAnswersWhileBlocked = 10_000
    /// DATA payloads up to this size are copied into the flush's buffer; larger ones are written as they are.
    static let copyLimit = 2_048

    let limits: Limits
    /// The SETTINGS the proxy sends first (after the client magic, in the client role).
    private let settings: [(id: UInt16, value: UInt32)]
    /// Client role: the preface starts with the magic. Server role: the peer's must (`awaitingMagic`).
    private let sendsMagic: Bool
    /// The loop's batch, which a flush waits in on a busy loop; nil: flushes go at once.
    private let batch: WriteBatch?
    /// A flush waits in `batch`.
    private var waitingInBatch = false
    /// The channel's, kept: `out` is made anew after every flush.
    private let allocator: ByteBufferAllocator
    var context: ChannelHandlerContext?
    /// The connection handler the frames go to; set by it, cleared when it leaves the pipeline.
    var sink: (any HTTP2FrameSink)?
    var reader = HTTP2FrameReader()
    var writer: HTTP2FrameWriter
    var decoder: HPACKBlockDecoder
    var streams = HTTP2CodecStreams()
    /// Frames written since the buffer last went down the pipeline.
    var out: ByteBuffer?
    /// Streams that ended, to be told to the handler (`StreamClosedEvent`).
    var ended: [StreamClosedEvent] = []
    /// A header block whose CONTINUATION frames are still to come.
    var headerBlock: HeaderBlock?
    var prefaceSent = false
    /// The client magic (RFC 9113 §3.4) is still to be read (server role).
    var awaitingMagic: Bool
    var receivedSettings = false
    /// A connection error was answered with GOAWAY: nothing more is read or written.
    var failed = false
    /// Bytes went down the pipeline since the last flush.
    var unflushed = false
    /// Some stream may hold frames (`HTTP2CodecStream.held`).
    var holding = false
    var answersWhileBlocked = 0

    // Send side: the peer's limits and windows.
    var connectionSendWindow = HTTP2Codec.initialWindow
    var peerInitialWindow = HTTP2Codec.initialWindow
    var peerMaxStreams = Int.max
    /// Streams open (HEADERS sent or received) and not yet ended.
    var openedStreams = 0
    /// The highest stream ID that opened: one lower that is not in `streams` is closed, one higher is idle.
    var lastOpenedID: Int32 = 0
    /// The last stream the server said it would process (GOAWAY; client role).
    var goAwayLastID = Int32.max

    // Receive side: the connection window, handed back once a quarter of it is used.
    var connectionReceiveWindow: Int
    var consumed = 0

    struct HeaderBlock {
        var stream: Int32
        var endStream: Bool
        var bytes: ByteBuffer
        var frames: Int
    }

    init(
        limits: Limits, settings: [(id: UInt16, value: UInt32)], sendsMagic: Bool, batch: WriteBatch?,
        allocator: ByteBufferAllocator
    ) {
        self.limits = limits
        self.settings = settings
        self.sendsMagic = sendsMagic
        self.batch = batch
        self.allocator = allocator
        awaitingMagic = !sendsMagic
        writer = HTTP2FrameWriter()
        decoder = HPACKBlockDecoder(maxHeaderListSize: limits.maxHeaderListSize)
        connectionReceiveWindow = Self.initialWindow
    }

    // MARK: what a role decides (overridden by the subclasses)

    /// The stream a complete header block is on, or nil when it is to be ignored (after its HPACK decoding).
    func streamForHeaders(_ id: Int32) throws(HTTP2ConnectionError) -> Int? { try receivingStream(id) }

    /// Every frame received, before it is handled (the server role bounds abuse here).
    func admit(_ frame: HTTP2RawFrame) throws(HTTP2ConnectionError) {}

    /// HEADERS the handler wrote on a stream the codec does not know.
    func sendOnNewStream(_ id: Int32, _ headers: HTTP2Frame.FramePayload.Headers) {}

    /// The peer's GOAWAY (already passed on to the handler).
    func receivedGoAway(lastStreamID: Int32) {}

    /// The answer to a PING of the proxy's.
    func receivedPingAck(_ opaque: ByteBuffer) {}

    /// A stream was reset for the peer's error (by the codec, or by the handler with PROTOCOL_ERROR).
    func streamErrorSent() {}

    /// A stream ended and left `streams`.
    func streamRemoved() {}

    /// The last stream ID a GOAWAY for a connection error names.
    var lastProcessedStream: Int32 { 0 }

    // MARK: the channel

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { sendPreface(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelActive(context: ChannelHandlerContext) {
        sendPreface(context)
        context.fireChannelActive()
    }

    /// The preface (RFC 9113 §3.4): the client's magic in the client role, SETTINGS, and the connection window
    /// raised to its full size.
    private func sendPreface(_ context: ChannelHandlerContext) {
        guard !prefaceSent else { return }
        prefaceSent = true
        var buffer = context.channel.allocator.buffer(capacity: 64)
        if sendsMagic { buffer.writeBytes(HTTP2Preface.bytes) }
        HTTP2FrameWriter.settings(settings, into: &buffer)
        let raise = limits.connectionWindow - Self.initialWindow
        if raise > 0 {
            HTTP2FrameWriter.windowUpdate(raise, stream: 0, into: &buffer)
            connectionReceiveWindow += raise
        }
        context.write(wrapOutboundOut(buffer), promise: nil)
        context.flush()
    }

    // MARK: bytes in

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        reader.append(unwrapInboundIn(data))
        do throws(HTTP2ConnectionError) {
            if awaitingMagic {
                guard try reader.readMagic() else { return }
                awaitingMagic = false
            }
            while !failed, let frame = try reader.next() {
                try receive(frame, context)
                if holding { sendHeldFrames() }
                tellEnded(context)
            }
        } catch {
            fail(error.code, context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        tellEnded(context)
        context.fireChannelReadComplete()
        // What the handler did not flush: SETTINGS and PING answers, the connection's WINDOW_UPDATE, held DATA
        // (unless a flush waits in the batch, which takes them too).
        if !waitingInBatch && (out != nil || unflushed) {
            emit()
            unflushed = false
            context.flush()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failed = true
        streams.removeAll()
        ended.removeAll()
        context.fireChannelInactive()
    }

    /// Here so that a role may take events (a subclass cannot replace the protocol's default implementation).
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { answersWhileBlocked = 0 }
        context.fireChannelWritabilityChanged()
    }

    /// Tells the handler which streams ended (after the frame that ended them, or at its flush).
    func tellEnded(_ context: ChannelHandlerContext) {
        guard !ended.isEmpty else { return }
        // By index: a stream the handler ends meanwhile adds its own event, told in the same loop.
        var next = 0
        while next < ended.count {
            let event = ended[next]
            next += 1
            sink?.streamClosed(event)
        }
        ended.removeAll(keepingCapacity: true)
    }

    /// A connection error (RFC 9113 §5.4.1): GOAWAY with its code and the last stream processed, then close; the
    /// handler sees the channel go inactive and ends its streams.
    func fail(_ code: HTTP2ErrorCode, _ context: ChannelHandlerContext) {
        guard !failed else { return }
        failed = true
        ended.removeAll()
        let last = lastProcessedStream
        append { HTTP2FrameWriter.goAway(code, lastStream: last, into: &$0) }
        emit()
        unflushed = false
        context.flush()
        context.close(promise: nil)
    }

    // MARK: frames out

    /// A frame from the connection handler (`HTTP2FrameSink`), which calls here directly.
    func write(_ payload: HTTP2Frame.FramePayload, on id: Int32) {
        guard !failed else { return }
        send(payload, on: id)
        if holding { sendHeldFrames() }
    }

    /// DATA from the connection handler (`HTTP2FrameSink`).
    func writeData(_ bytes: ByteBuffer, endStream: Bool, on id: Int32) {
        guard !failed else { return }
        sendData(bytes, endStream: endStream, on: id)
        if holding { sendHeldFrames() }
    }

    /// Hands a frame of the peer's to the connection handler.
    func deliver(_ payload: HTTP2Frame.FramePayload, on id: Int32) {
        sink?.received(payload, on: id)
    }

    func flush(context: ChannelHandlerContext) {
        if let batch, waitingInBatch || batch.isWorthWaiting {
            if !waitingInBatch {
                waitingInBatch = true
                batch.enqueue(self)
            }
        } else {
            emit()
            unflushed = false
            context.flush()
        }
        tellEnded(context)
    }

    /// Called by the batch at the end of the loop's turn.
    func flushAtEndOfTurn() {
        guard waitingInBatch, let context else { return }
        waitingInBatch = false
        emit()
        unflushed = false
        context.flush()
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if waitingInBatch {
            waitingInBatch = false
            emit()
            unflushed = false
            context.flush()
        }
        context.close(mode: mode, promise: promise)
    }

    /// Writes into the flush's buffer.
    func append(_ body: (inout ByteBuffer) -> Void) {
        if out == nil { out = allocator.buffer(capacity: 1_024) }
        body(&out!)
    }

    /// Passes the buffer down the pipeline (flushed by the caller).
    func emit() {
        guard let buffer = out else { return }
        out = nil
        if buffer.readableBytes > 0 { pass(buffer) }
    }

    /// Writes `bytes` down the pipeline; flushed by the handler's next flush, or at the end of the read.
    func pass(_ bytes: ByteBuffer) {
        guard let context else { return }
        context.write(wrapOutboundOut(bytes), promise: nil)
        unflushed = true
    }
}

/// The connection handler behind an `HTTP2Codec` (`HTTP2ClientConnection`, `HTTP2UpstreamConnection`): the codec hands
/// it the peer's frames and the streams' ends by these calls, and it writes frames with `HTTP2Codec.write(_:on:)` and
/// `writeData(_:endStream:on:)`. DATA goes as its bytes: nio-http2's `HTTP2Frame.FramePayload.Data` allocates a box
/// per frame.
protocol HTTP2FrameSink: AnyObject {
    /// A frame of the peer's on stream `id` (0: the connection's), other than DATA.
    func received(_ payload: HTTP2Frame.FramePayload, on id: Int32)
    /// A DATA frame's payload on stream `id`; `flowControlled`: what it took of the windows (padding included).
    func receivedData(_ bytes: ByteBuffer, endStream: Bool, flowControlled: Int, on id: Int32)
    /// A stream ended (after the frame that ended it, or at the handler's flush).
    func streamClosed(_ event: StreamClosedEvent)
}
