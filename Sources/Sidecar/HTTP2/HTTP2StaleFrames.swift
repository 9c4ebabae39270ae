import NIOCore
import NIOHTTP2

/// Frames of ours that nio-http2 held back and refused later, when it was too late for them: not a reason to close
/// the connection, nor to end a stream. One per client connection (`HTTP2ClientConnection`; endpoint connections
/// run `HTTP2UpstreamCodec`, which drops a WINDOW_UPDATE for a stream that stopped receiving).
///
/// While a connection's socket is not writable, nio-http2 buffers the control frames written to it (WINDOW_UPDATE,
/// HEADERS) and checks each against its stream's state only when it sends it. A stream may have moved on meanwhile:
/// a stream WINDOW_UPDATE written while a large body arrived, then the body's last frame read before the socket
/// drained. nio-http2 then fails that frame and reports an error: `NoSuchStream`, as the connection's, when the
/// stream is gone; a `StreamError`, as the stream's, when it still sends but no longer receives. It sends no GOAWAY or
/// RST_STREAM for either and its state is untouched. Closing the connection for them failed every other stream on
/// it: grpcio calls of 300 KB, 20 at a time on one connection through `--protocol http2`, had 15-40 % of them
/// answered `502 upstream-reset` or cut (Tests/SidecarTests/HTTP2/GRPCProxyTests.swift). grpc-swift ignores
/// `NoSuchStream` for the same reason (grpc/grpc-swift#1544).
///
/// A peer's frame on a closed stream raises `NoSuchStream` too; nio-http2 has sent GOAWAY for it already, and the
/// peer closes, or the idle timeout does.
///
/// Confined to the connection's event loop.
final class HTTP2StaleFrames {
    /// nio-http2 just refused a stream WINDOW_UPDATE of ours: the error it reports next is that refusal.
    private var refused = false

    /// The promise to write a stream's WINDOW_UPDATE with: its refusal for the stream's state marks the error that
    /// follows at once as a stale frame's (a frame dropped with its stream, or with the channel, has no error after).
    func windowUpdatePromise(on eventLoop: any EventLoop) -> EventLoopPromise<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        promise.futureResult.assumeIsolatedUnsafeUnchecked().whenFailure { error in
            if error is NIOHTTP2Errors.BadStreamStateTransition { self.refused = true }
        }
        return promise
    }

    /// Whether `error` (reported to the connection's handler) is a stale frame's, to be ignored.
    func forgives(_ error: any Error) -> Bool {
        if refused {
            refused = false
            return true
        }
        return error is NIOHTTP2Errors.NoSuchStream
    }
}
