import NIOCore
import NIOHTTP2

/// How a client connection ends gracefully, as nio-http2's `NIOHTTP2ServerConnectionManagementHandler` did it (RFC
/// 9113 §6.8): after `Settings.idleTimeout` without an open stream, or on a drain (`HTTP2ConnectionSet`), a GOAWAY
/// (NO_ERROR) naming the highest stream ID possible, with a PING; the client's PING ACK shows it has seen the GOAWAY
/// and opens no more streams, so a second GOAWAY names the last stream it opened, which is then the last processed.
/// The connection closes once the streams in flight are done, or `graceTime` after the first GOAWAY.
extension HTTP2ServerCodec {
    enum Shutdown {
        case open
        /// The first GOAWAY and its PING went; streams may still open.
        case announced
        /// The second GOAWAY went: no stream opens any more.
        case final
    }

    /// The PING sent with the first GOAWAY: its ACK carries the same 8 bytes.
    static let shutdownPing: UInt64 = 0x6d65_7368_2d67_6f61  // "mesh-goa"

    /// Starts a graceful shutdown (once).
    func beginShutdown() {
        guard shutdown == .open, !failed, let context else { return }
        shutdown = .announced
        idleTimer?.cancel()
        idleTimer = nil
        append { out in
            HTTP2FrameWriter.goAway(.noError, lastStream: Int32.max, into: &out)
            HTTP2FrameWriter.frameHeader(&out, length: 8, type: HTTP2RawFrame.ping, stream: 0)
            out.writeInteger(Self.shutdownPing)
        }
        emit()
        unflushed = false
        context.flush()
        graceTimer = context.eventLoop.assumeIsolated().scheduleTask(in: Self.graceTime) { [self] in
            graceTimer = nil
            // Through the codec's own close: a flush waiting in the loop's batch goes first.
            if let context = self.context { close(context: context, mode: .all, promise: nil) }
        }
    }

    /// The answer to a PING: when it is the first GOAWAY's, the second GOAWAY goes.
    func shutdownPingAcknowledged(_ opaque: ByteBuffer) {
        guard shutdown == .announced, opaque.getInteger(at: opaque.readerIndex, as: UInt64.self) == Self.shutdownPing
        else { return }
        shutdown = .final
        let last = lastOpenedID
        append { HTTP2FrameWriter.goAway(.noError, lastStream: last, into: &$0) }
        if streams.isEmpty { closeSoon() }
    }

    /// Closes the connection at the loop's next turn: the last stream usually ends inside the handler's write of its
    /// last frame, which is not flushed yet; the close then flushes it first.
    func closeSoon() {
        guard let context else { return }
        context.eventLoop.assumeIsolated().execute { [self] in
            guard let context = self.context else { return }
            emit()
            unflushed = false
            context.flush()
            context.close(promise: nil)
        }
    }

    /// Arms the idle timer, if no stream is open and it is not armed yet. One timer at most: when it fires it looks
    /// at when the connection became idle last, and arms itself again if that was less than `idleTimeout` ago.
    func armIdleTimer() {
        guard idleTimer == nil, shutdown == .open, let since = idleSince, let context else { return }
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: since + serverSettings.idleTimeout) {
            [self] in
            idleTimer = nil
            guard let since = idleSince else { return }
            if NIODeadline.now() >= since + serverSettings.idleTimeout {
                beginShutdown()
            } else {
                armIdleTimer()
            }
        }
    }
}
