import NIOCore
import NIOHTTP2
import SidecarConfig

/// The HTTP/2 (h2c) side of a client connection: `NIOHTTP2Handler` with the limits below, the connection manager
/// (idle timeout, graceful GOAWAY on drain), and `HTTP2ClientConnection`, which serves every stream with a
/// `DownstreamStreamBridge` and a `DownstreamHandler` of its own (no child channel), so each stream is one exchange
/// of the proxy's engine.
///
/// Limits, as Envoy and Linkerd set them: 100 concurrent streams per connection (a client opening more gets
/// REFUSED_STREAM); the header list bounded by `limits.maxHeaderBytes` (SETTINGS_MAX_HEADER_LIST_SIZE, also applied
/// while decoding); a 4 KiB HPACK table; flow-control windows of `streamWindow` per stream and `connectionWindow`
/// per connection, which bound what a slow reader can make the proxy hold. Rapid reset (CVE-2023-44487) and other
/// abuse is bounded by nio-http2's rate limits, set here explicitly: more than 200 RST_STREAM frames, stream errors or
/// control frames within 30 s, 200 "glitches", or 1 empty DATA frame in a row, and the connection gets GOAWAY
/// (ENHANCE_YOUR_CALM) and is closed. A malformed frame is a connection error: GOAWAY with the code RFC 9113 names
/// (FRAME_SIZE_ERROR, PROTOCOL_ERROR, COMPRESSION_ERROR…), then close; a malformed header block (RFC 9113 §8.1.1,
/// `HTTP2FieldRules`) resets its stream with PROTOCOL_ERROR.
enum HTTP2Server {
    static let maxConcurrentStreams = 100
    static let headerTableSize = 4096
    static let streamWindow = 256 * 1024
    static let connectionWindow = 1024 * 1024

    /// Adds the HTTP/2 handlers to a client connection's pipeline (after its TLS handler, if any). `peer`: the
    /// mTLS client's verified identity, which every stream's exchange is authorized as.
    static func configure(_ channel: any Channel, loop: LoopContext, listenerName: String, peer: PeerBox? = nil) throws {
        let limits = loop.routes.limits
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: maxConcurrentStreams),
            HTTP2Setting(parameter: .maxHeaderListSize, value: limits.maxHeaderBytes),
            HTTP2Setting(parameter: .headerTableSize, value: headerTableSize),
            HTTP2Setting(parameter: .initialWindowSize, value: streamWindow),
        ]
        // Header blocks are checked by the stream bridges (`HTTP2FieldRules`), once per received block, instead of
        // by nio-http2 on every block sent and received; content lengths are still nio-http2's to check.
        connection.headerBlockValidation = .disabled
        connection.maximumSequentialEmptyDataFrames = 1
        connection.maximumConnectionGlitches = 200
        connection.controlFrameRateLimit.maximumCount = 200
        connection.controlFrameRateLimit.windowLength = .seconds(30)
        var stream = NIOHTTP2Handler.StreamConfiguration()
        stream.streamResetFrameRateLimit.maximumCount = 200
        stream.streamResetFrameRateLimit.windowLength = .seconds(30)
        stream.streamErrorRateLimit.maximumCount = 200
        stream.streamErrorRateLimit.windowLength = .seconds(30)
        // The manager learns of streams from the events nio-http2 fires through the pipeline (no multiplexer).
        let manager = NIOHTTP2ServerConnectionManagementHandler(
            eventLoop: channel.eventLoop,
            configuration: .init(
                maxIdleTime: TimeAmount(limits.idleTimeout), maxAge: nil, maxGraceTime: .seconds(30), keepalive: nil))
        // No stream multiplexer: `HTTP2ClientConnection` serves the streams from the connection's frames, and does
        // the window updates the multiplexer's child channels did (`streamWindow`, `connectionWindow`).
        let http2 = NIOHTTP2Handler(mode: .server, connectionConfiguration: connection, streamConfiguration: stream)
        try channel.pipeline.syncOperations.addHandler(HTTP2FlushBatcher(batch: loop.writeBatch))
        try channel.pipeline.syncOperations.addHandler(http2)
        try channel.pipeline.syncOperations.addHandler(manager)
        try channel.pipeline.syncOperations.addHandler(HTTP2ClientConnection(loop: loop, listenerName: listenerName, peer: peer))
        try channel.pipeline.syncOperations.addHandler(HTTP2ConnectionErrorHandler())
        loop.http2Connections.add(channel)
    }
}
