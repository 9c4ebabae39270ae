import NIOCore

/// Sends that wait for the end of a busy event loop's current turn, then go out together.
///
/// Why: one `epoll_wait` hands a busy loop many ready connections (~25 at 50 clients). Sending each head or
/// response the moment it is ready wakes the client (and the endpoint) once per message, and those wake-ups
/// preempt the proxy on a shared core; sent together after the turn, each peer finds several messages per
/// wake-up. Measured side by side (docs/performance.md): about 10% less CPU per request for the proxy, more
/// requests/s for the whole machine. A loop serving one exchange at a time gains nothing from waiting, so its
/// sends go out at once and a single client sees no added latency.
///
/// One per event loop; used only on it.
final class WriteBatch {
    private let eventLoop: any EventLoop
    private var waiting: [(SocketWriter, ChannelHandlerContext)] = []
    private var scheduled = false
    /// Client exchanges in progress on this loop (kept by `DownstreamHandler` as its phase changes).
    var exchangesInProgress = 0

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Whether holding a send to the end of the turn is worth it: another exchange is in progress, so this turn
    /// (or the next) likely has more to send.
    @inline(__always)
    var isWorthWaiting: Bool { exchangesInProgress > 1 }

    /// `writer` has bytes to send: they go out when the loop has handled every event of this turn.
    func enqueue(_ writer: SocketWriter, context: ChannelHandlerContext) {
        waiting.append((writer, context))
        guard !scheduled else { return }
        scheduled = true
        eventLoop.assumeIsolatedUnsafeUnchecked().execute { self.run() }
    }

    private func run() {
        scheduled = false
        // A flush cannot enqueue again (it sends or hands the bytes to NIO), so one pass empties the list.
        for (writer, context) in waiting {
            writer.flushBatched(context: context)
        }
        waiting.removeAll(keepingCapacity: true)
    }
}
