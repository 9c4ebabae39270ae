import NIOCore
import NIOHTTP2

/// `HTTP2Codec` in the server role, on client connections (`HTTP2Server`), in place of nio-http2's `NIOHTTP2Handler`
/// and `NIOHTTP2ServerConnectionManagementHandler`. What it adds to the codec:
/// - the client's preface: the magic, then SETTINGS, or PROTOCOL_ERROR; the proxy's SETTINGS (`Settings`) at once;
/// - streams the client opens: HEADERS on a new odd ID, higher than any before (a lower or even one is a
///   PROTOCOL_ERROR); past `maxConcurrentStreams` open ones, RST_STREAM REFUSED_STREAM;
/// - the abuse bounds nio-http2 applied (rapid reset, CVE-2023-44487, and its kin): more than 200 RST_STREAMs or 200
///   control frames (PING, SETTINGS, PRIORITY) within 30 s, more than 200 streams reset for the client's errors, or
///   2 empty DATA frames in a row, and the connection gets GOAWAY ENHANCE_YOUR_CALM and is closed;
/// - the connection's end: after `idleTimeout` without an open stream, or on a drain (`ChannelShouldQuiesceEvent`),
///   a graceful GOAWAY (HTTP2ServerCodec+Shutdown.swift).
///
/// Confined to the connection's event loop.
final class HTTP2ServerCodec: HTTP2Codec {
    /// What the proxy announces beyond `HTTP2Codec.Limits`, and how long a connection may idle.
    struct Settings {
        var maxConcurrentStreams: Int
        var headerTableSize: Int
        var idleTimeout: TimeAmount
    }

    /// RST_STREAM frames and control frames received, and streams reset for the client's errors: more than this many
    /// within `abuseWindow` (stream errors: at all) is abuse.
    static let abuseCount = 200
    static let abuseWindow = TimeAmount.seconds(30)
    /// Empty DATA frames in a row (without END_STREAM) tolerated: some clients send one at times.
    static let maxEmptyDataFrames = 1
    /// How long a graceful shutdown waits for the streams in flight before the connection is closed anyway.
    static let graceTime = TimeAmount.seconds(30)

    let serverSettings: Settings
    private var resets = HTTP2RateLimit(maximumCount: HTTP2ServerCodec.abuseCount, window: HTTP2ServerCodec.abuseWindow)
    private var controlFrames = HTTP2RateLimit(
        maximumCount: HTTP2ServerCodec.abuseCount, window: HTTP2ServerCodec.abuseWindow)
    private var streamErrors = 0
    private var emptyDataFrames = 0

    // The connection's end (HTTP2ServerCodec+Shutdown.swift).
    var shutdown = Shutdown.open
    /// Since when no stream is open; nil while one is.
    var idleSince: NIODeadline? = NIODeadline.now()
    var idleTimer: Scheduled<Void>?
    var graceTimer: Scheduled<Void>?

    init(limits: Limits, settings: Settings, batch: WriteBatch?, allocator: ByteBufferAllocator) {
        serverSettings = settings
        super.init(
            limits: limits,
            settings: [
                (id: 3, value: UInt32(settings.maxConcurrentStreams)),  // SETTINGS_MAX_CONCURRENT_STREAMS
                (id: 6, value: UInt32(limits.maxHeaderListSize)),  // SETTINGS_MAX_HEADER_LIST_SIZE
                (id: 1, value: UInt32(settings.headerTableSize)),  // SETTINGS_HEADER_TABLE_SIZE
                (id: 4, value: UInt32(limits.streamWindow)),  // SETTINGS_INITIAL_WINDOW_SIZE
            ],
            sendsMagic: false, batch: batch, allocator: allocator)
    }

    override func handlerAdded(context: ChannelHandlerContext) {
        super.handlerAdded(context: context)
        armIdleTimer()
    }

    override func channelInactive(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        idleTimer = nil
        graceTimer?.cancel()
        graceTimer = nil
        super.channelInactive(context: context)
    }

    override func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent { return beginShutdown() }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: streams the client opens

    /// A header block on a new stream opens it (RFC 9113 §5.1.1); on a known one it is the request's trailers.
    override func streamForHeaders(_ id: Int32) throws(HTTP2ConnectionError) -> Int? {
        guard id > lastOpenedID else { return try receivingStream(id) }
        guard id & 1 == 1 else { throw HTTP2ConnectionError(.protocolError) }
        lastOpenedID = id
        // After the final GOAWAY, streams above its last stream ID are ignored (RFC 9113 §6.8).
        guard shutdown != .final else { return nil }
        guard openedStreams < serverSettings.maxConcurrentStreams else {
            append { HTTP2FrameWriter.rstStream(.refusedStream, stream: id, into: &$0) }
            streamErrorSent()
            return nil
        }
        let index = addStream(id)
        markOpened(at: index)
        idleSince = nil
        return index
    }

    override func streamRemoved() {
        guard streams.isEmpty else { return }
        if shutdown == .final { return closeSoon() }
        idleSince = NIODeadline.now()
        armIdleTimer()
    }

    override var lastProcessedStream: Int32 { lastOpenedID }

    override func receivedPingAck(_ opaque: ByteBuffer) { shutdownPingAcknowledged(opaque) }

    // MARK: abuse

    override func admit(_ frame: HTTP2RawFrame) throws(HTTP2ConnectionError) {
        switch frame.type {
        case HTTP2RawFrame.data:
            var length = frame.payload.readableBytes
            if frame.has(HTTP2RawFrame.padded), let padding = frame.payload.getInteger(at: frame.payload.readerIndex, as: UInt8.self) {
                length -= 1 + Int(padding)
            }
            if length <= 0 { emptyDataFrames += 1 }
            if frame.has(HTTP2RawFrame.endStream) { emptyDataFrames = 0 }
            guard emptyDataFrames <= Self.maxEmptyDataFrames else { throw HTTP2ConnectionError(.enhanceYourCalm) }
        case HTTP2RawFrame.headers:
            emptyDataFrames = 0
        case HTTP2RawFrame.rstStream:
            if resets.record(at: .now()) { throw HTTP2ConnectionError(.enhanceYourCalm) }
        case HTTP2RawFrame.ping, HTTP2RawFrame.settings, HTTP2RawFrame.priority:
            if controlFrames.record(at: .now()) { throw HTTP2ConnectionError(.enhanceYourCalm) }
        default:
            break
        }
    }

    /// Streams reset for the client's errors (malformed, refused, over a window): past `abuseCount`, the connection
    /// ends (nio-http2's "glitches").
    override func streamErrorSent() {
        streamErrors += 1
        guard streamErrors > Self.abuseCount, let context else { return }
        fail(.enhanceYourCalm, context)
    }
}
