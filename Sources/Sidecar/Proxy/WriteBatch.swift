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
/// At most `maxWaiting` writers wait: the one that makes them that many sends them all at once. Why: a busy turn
/// handles 20-50 ready connections; holding every send to its end moved all requests through a chain of proxies
/// together, so each process slept while the next worked through the lot (about 1.7x HAProxy's voluntary context
/// switches per request in the one-mTLS-hop bench), which leaves a core idle on a machine that is not otherwise busy.
/// Sent eight at a time, peers still find several messages per wake-up and start on them while this turn goes on
/// (docs/performance.md, "Bounded batches").
///
/// One per event loop; used only on it.
final class WriteBatch {
    private let eventLoop: any EventLoop
    /// Waiting for the end of this turn, and (while `run` works through them) those of the turn just ended: two
    /// lists, so a flush that makes another send (a retry picking an idle connection) lands in the next run instead
    /// of being cleared with the list being worked through.
    private var waiting: [any EndOfTurnFlushing] = []
    private var running: [any EndOfTurnFlushing] = []
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

    /// Writers that may wait at once (see above).
    static let maxWaiting = 8
    /// The writers being sent early (a third list: `running` may be in use by `run`).
    private var early: [any EndOfTurnFlushing] = []
    private var flushingEarly = false

    /// `writer` has bytes to send: they go out when the loop has handled every event of this turn, or now with
    /// the others waiting once they are `maxWaiting`.
    func enqueue(_ writer: any EndOfTurnFlushing) {
        waiting.append(writer)
        if waiting.count >= Self.maxWaiting && !flushingEarly {
            flushWaitingNow()
            return
        }
        guard !scheduled else { return }
        scheduled = true
        eventLoop.assumeIsolatedUnsafeUnchecked().execute { self.run() }
    }

    /// Sends what waits now. A writer this enqueues (a retry's head) waits as usual, without a second early send
    /// inside this one.
    private func flushWaitingNow() {
        flushingEarly = true
        swap(&waiting, &early)
        for writer in early { writer.flushAtEndOfTurn() }
        early.removeAll(keepingCapacity: true)
        flushingEarly = false
    }

    private func run() {
        scheduled = false
        swap(&waiting, &running)
        for writer in running { writer.flushAtEndOfTurn() }
        running.removeAll(keepingCapacity: true)
    }
}

/// What a `WriteBatch` holds: something with bytes to send at the end of the loop's turn.
protocol EndOfTurnFlushing: AnyObject {
    func flushAtEndOfTurn()
}
