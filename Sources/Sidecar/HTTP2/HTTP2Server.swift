import NIOCore
import SidecarConfig

/// The HTTP/2 (h2c) side of a client connection: `HTTP2ServerCodec` with the limits below (its own idle timeout and
/// graceful GOAWAY on drain), and `HTTP2ClientConnection`, which serves every stream with a `DownstreamStreamBridge`
/// and a `DownstreamHandler` of its own (no child channel), so each stream is one exchange of the proxy's engine.
///
/// Limits, as Envoy and Linkerd set them: 100 concurrent streams per connection (a client opening more gets
/// REFUSED_STREAM); the header list bounded by `limits.maxHeaderBytes` (SETTINGS_MAX_HEADER_LIST_SIZE, also applied
/// while decoding); a 4 KiB HPACK table; flow-control windows of `streamWindow` per stream and `connectionWindow`
/// per connection, which bound what a slow reader can make the proxy hold. Rapid reset (CVE-2023-44487) and other
/// abuse is bounded as nio-http2 bounded it: more than 200 RST_STREAM frames or control frames within 30 s, more
/// than 200 streams reset for the client's errors, or 2 empty DATA frames in a row, and the connection gets GOAWAY
/// (ENHANCE_YOUR_CALM) and is closed. A malformed frame is a connection error: GOAWAY with the code RFC 9113 names
/// (FRAME_SIZE_ERROR, PROTOCOL_ERROR, COMPRESSION_ERROR…), then close; a malformed header block (RFC 9113 §8.1.1,
/// `HTTP2FieldRules`) or a body that does not match its content-length resets its stream with PROTOCOL_ERROR.
enum HTTP2Server {
    static let maxConcurrentStreams = 100
    static let headerTableSize = 4096
    static let streamWindow = 256 * 1024
    static let connectionWindow = 1024 * 1024

    /// Adds the HTTP/2 handlers to a client connection's pipeline (after its TLS handler, if any). `peer`: the
    /// mTLS client's verified identity, which every stream's exchange is authorized as.
    static func configure(_ channel: any Channel, loop: LoopContext, listenerName: String, peer: PeerBox? = nil) throws {
        let limits = loop.routes.limits
        let codec = HTTP2ServerCodec(
            limits: .init(maxHeaderListSize: limits.maxHeaderBytes, streamWindow: streamWindow, connectionWindow: connectionWindow),
            settings: .init(
                maxConcurrentStreams: maxConcurrentStreams, headerTableSize: headerTableSize,
                idleTimeout: TimeAmount(limits.idleTimeout)),
            batch: loop.writeBatch, allocator: channel.allocator)
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(codec)
        try sync.addHandler(HTTP2ClientConnection(loop: loop, listenerName: listenerName, peer: peer, codec: codec))
        loop.http2Connections.add(channel)
    }
}
