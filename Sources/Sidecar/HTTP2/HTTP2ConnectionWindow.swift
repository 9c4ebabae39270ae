import NIOHTTP2

/// The receive window of a client connection without nio-http2's stream multiplexer (`HTTP2ClientConnection`; an
/// endpoint connection's is `HTTP2UpstreamCodec`'s): kept near `HTTP2Server.connectionWindow` from nio-http2's own count.
///
/// Why not count the DATA bytes the connection handler is given: nio-http2 passes on no DATA frame for a stream it
/// reset or saw closed (the peer's frames in flight when the proxy reset a stream), yet each took its bytes of the
/// connection's window. Counted only as delivered, the window shrank by every such frame and was never given back;
/// once a connection that lived through resets had lost it all, the peer could send nothing more on any stream (the
/// grpcio endpoint of Tests/SidecarTests/HTTP2/GRPCProxyTests.swift sent response HEADERS and then waited).
/// nio-http2 reports the window as it counts it, every DATA frame included (`NIOHTTP2WindowUpdatedEvent` for the
/// root stream).
struct HTTP2ConnectionWindow {
    /// The connection window before any WINDOW_UPDATE (RFC 9113 §6.9.2).
    static let initial = 65_535

    /// A WINDOW_UPDATE was written and nio-http2 has not counted it yet (it holds control frames while the socket is
    /// not writable): no other is written meanwhile, or the window would be handed back twice.
    private var granting = false
    private var lastLeft = HTTP2ConnectionWindow.initial

    private var raised = false

    /// The first stream's WINDOW_UPDATE on the root stream, raising the window from `initial` to its full size; nil
    /// once done.
    mutating func raise() -> Int? {
        guard !raised else { return nil }
        raised = true
        granting = true
        return HTTP2Server.connectionWindow - Self.initial
    }

    /// What to hand back (a WINDOW_UPDATE on the root stream) after nio-http2 reported `event`: the window back to
    /// its full size once a quarter of it was used; nil otherwise.
    mutating func increment(after event: NIOHTTP2WindowUpdatedEvent) -> Int? {
        guard event.streamID == .rootStream, let left = event.inboundWindowSize else { return nil }
        // Only a WINDOW_UPDATE of ours makes the window grow.
        if left > lastLeft { granting = false }
        lastLeft = left
        guard !granting, left <= HTTP2Server.connectionWindow - HTTP2Server.connectionWindow / 4 else { return nil }
        granting = true
        return HTTP2Server.connectionWindow - left
    }
}
