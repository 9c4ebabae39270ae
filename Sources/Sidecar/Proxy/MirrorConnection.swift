import NIOCore
import Prometheus

/// One kept-alive connection to a mirror endpoint, on which copies are pipelined (RFC 9112 §9.3.2): the sender
/// writes every copy of a handoff for this endpoint and flushes once, one write(2) for up to
/// `MirrorSender.maxPipelined` copies, and the answers, read away in order by their framing (RFC 9112 §6.3), come
/// back in as few reads. One copy at a time per connection, a write and a read each, cost the mirror thread 8.5 µs
/// per copy at 10,000 copies/s; pipelined, 4.3 µs (session 16, `bench/proxy/mirror.sh`, docs/performance.md).
///
/// Pipelining is safe for copies whatever their method: the RFC's caution is about retrying a non-idempotent request
/// after a lost connection, and a copy is never retried then (copies on a connection that fails or times out are
/// counted failed). The one resend: an answer that says `Connection: close` means the server processes nothing more
/// on this connection (RFC 9112 §9.6), so the copies pipelined behind it go back to the sender as new copies.
final class MirrorConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// A copy written (or to be written once connected) and not yet answered in full.
    /// Only what the connection needs (its endpoint and TLS are its own): fewer references to retain per copy.
    struct Pending {
        var request: ByteBuffer
        var isHead: Bool
        /// When it times out (`NIODeadline` uptime nanoseconds), checked by the sender's sweep: a timer per copy
        /// (schedule, then cancel) was about a tenth of the mirror's CPU time.
        var deadline: UInt64
    }

    let key: MirrorCopy.Key
    let tls: UpstreamTLS?
    /// Strong: a connection outlives its proxy loop's handoff when the proxy stops or reloads (the mirror thread is
    /// the process's), and its close still reports to the sender. The cycle ends when the connection closes and
    /// leaves the sender's pool.
    private let sender: MirrorSender
    private let outcomes: MirrorCounters.Outcomes
    private(set) var channel: (any Channel)?
    /// Oldest first; the first is the one being answered. Copies are written in this order once connected.
    private var pending = CircularBuffer<Pending>(initialCapacity: 4)
    private var connected = false
    private var closed = false
    private var unflushed = false
    private var parser = HTTPHeadParser(kind: .response)
    private var head = HTTPHead()
    private var framer: BodyFramer?
    private var held: ByteBuffer?
    /// Some of the first pending copy's answer has arrived (it counts as sent even if the rest never does).
    private var frontAnswered = false

    init(key: MirrorCopy.Key, tls: UpstreamTLS?, sender: MirrorSender, outcomes: MirrorCounters.Outcomes) {
        self.key = key
        self.tls = tls
        self.sender = sender
        self.outcomes = outcomes
    }

    var isBusy: Bool { !pending.isEmpty }

    /// Whether a copy may go on this connection now (connecting or open, with room).
    var accepts: Bool { !closed && pending.count < MirrorSender.maxPipelined }

    /// Queues `copy` and writes it when connected; true when the connection needs a `flush()` for it (the first
    /// write since the last flush), so the sender flushes each connection once per handoff.
    func enqueue(_ copy: MirrorCopy, deadline: UInt64) -> Bool {
        pending.append(Pending(request: copy.request, isHead: copy.isHead, deadline: deadline))
        guard connected, let channel else { return false }
        channel.write(copy.request, promise: nil)
        defer { unflushed = true }
        return !unflushed
    }

    func flush() {
        unflushed = false
        channel?.flush()
    }

    /// Ends every copy (closing the connection) when the oldest one's time is up.
    func expireIfDue(now: UInt64) {
        guard let oldest = pending.first, now >= oldest.deadline else { return }
        shut(resendingAfterFirst: false)
    }

    /// The connect failed: every copy waiting for it failed.
    func connectFailed() { shut(resendingAfterFirst: false) }

    // Known from the start: the initializer adds this handler before the connect completes.
    func handlerAdded(context: ChannelHandlerContext) { channel = context.channel }

    func channelActive(context: ChannelHandlerContext) {
        connected = true
        for entry in pending { context.write(NIOAny(entry.request), promise: nil) }
        if !pending.isEmpty { context.flush() }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if var earlier = held {
            earlier.writeBuffer(&bytes)
            bytes = earlier
            held = nil
        }
        while bytes.readableBytes > 0 {
            guard let front = pending.first else {
                // Bytes nobody asked for: the connection cannot be trusted for the next copy.
                shut(resendingAfterFirst: false)
                return
            }
            frontAnswered = true
            if framer == nil {
                switch bytes.withUnsafeReadableBytes({ parser.parse($0, into: &head) }) {
                case .incomplete:
                    held = bytes
                    return
                case .failure:
                    shut(resendingAfterFirst: false)
                    return
                case .complete:
                    bytes.moveReaderIndex(forwardBy: head.length)
                    if head.status >= 100 && head.status < 200 && head.status != 101 { continue }  // interim
                    let framing = head.responseFraming(toHead: front.isHead)
                    if head.status < 200 || framing == .untilClose || !head.keepAlive {
                        // Answered, and the connection ends with this answer: not read further, not reused.
                        shut(resendingAfterFirst: head.status >= 200 && !head.keepAlive)
                        return
                    }
                    framer = BodyFramer(framing)
                }
            }
            guard var body = framer else { return }
            do {
                let consumed = try bytes.withUnsafeReadableBytes { try body.consume($0) }
                bytes.moveReaderIndex(forwardBy: consumed)
            } catch {
                shut(resendingAfterFirst: false)
                return
            }
            guard body.isDone else {
                framer = body
                return
            }
            framer = nil
            endFirst(answered: true)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        channel = nil
        shut(resendingAfterFirst: false)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { shut(resendingAfterFirst: false) }

    private func count(answered: Bool) {
        if answered { outcomes.sent.increment() } else { outcomes.failed.increment() }
        sender.ended()
    }

    private func endFirst(answered: Bool) {
        pending.removeFirst()
        frontAnswered = false
        count(answered: answered)
    }

    /// Closes the connection and ends its copies: the first counts as sent if its answer began, the rest failed,
    /// or handed back to the sender when the server said it would process no more of them. The copies are taken
    /// off first: closing runs `channelInactive`, which comes back here.
    private func shut(resendingAfterFirst resend: Bool) {
        let copies = pending
        pending.removeAll()
        let firstAnswered = frontAnswered
        frontAnswered = false
        framer = nil
        held = nil
        if !closed {
            closed = true
            sender.closed(self)
            channel?.close(promise: nil)
        }
        for (index, entry) in copies.enumerated() {
            if index == 0 {
                count(answered: firstAnswered)
            } else if resend {
                sender.resend(MirrorCopy(key: key, tls: tls, request: entry.request, range: 0..<0, isHead: entry.isHead), deadline: entry.deadline)
            } else {
                count(answered: false)
            }
        }
    }
}
