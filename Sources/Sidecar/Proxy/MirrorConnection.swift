import NIOCore

/// One kept-alive connection to a mirror endpoint: it carries one copy at a time, reads the answer away by its
/// framing (RFC 9112 §6.3), and, when the answer ended cleanly and may be followed by another, goes back to its
/// sender's idle list. Anything unusual — an answer delimited by the close, a 1xx, a parse error, the timeout —
/// closes it instead. Reusing connections is what keeps a 100 % mirror from costing a connect and a close per
/// request on the primary's event loop.
final class MirrorConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let key: MirrorCopy.Key
    private(set) var channel: (any Channel)?
    private var parser = HTTPHeadParser(kind: .response)
    private var head = HTTPHead()
    private var framer: BodyFramer?
    private var pending: ByteBuffer?
    private var headRequest = false
    /// The copy being answered: called once with whether an answer began, and whether the connection is reusable.
    private var done: ((_ answered: Bool, _ reusable: Bool) -> Void)?
    private var answered = false
    /// When the copy in progress times out (`NIODeadline` uptime nanoseconds), checked by the sender's sweep: a
    /// timer per copy (schedule, then cancel) was about a tenth of the mirror's CPU time.
    private var deadline: UInt64 = 0

    init(key: MirrorCopy.Key) { self.key = key }

    var isBusy: Bool { done != nil }

    /// Ends the copy in progress (closing the connection) when its time is up.
    func expireIfDue(now: UInt64) {
        guard done != nil, now >= deadline else { return }
        finish(reusable: false)
    }

    /// Sends one copy; `done` is called exactly once when it is over (at the latest by the sender's sweep after
    /// `timeout`).
    func send(_ request: ByteBuffer, isHead: Bool, timeout: TimeAmount,
              done: @escaping (_ answered: Bool, _ reusable: Bool) -> Void) {
        guard let channel, channel.isActive else {
            done(false, false)
            return
        }
        self.done = done
        answered = false
        headRequest = isHead
        parser.reset()
        head.reset()
        framer = nil
        deadline = NIODeadline.now().uptimeNanoseconds + UInt64(timeout.nanoseconds)
        channel.writeAndFlush(request, promise: nil)
    }

    // Known from the start: the connect promise completes before channelActive reaches the pipeline.
    func handlerAdded(context: ChannelHandlerContext) { channel = context.channel }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard done != nil else {
            // Bytes nobody asked for: the connection cannot be trusted for the next copy.
            context.close(promise: nil)
            return
        }
        answered = true
        if var held = pending {
            held.writeBuffer(&bytes)
            bytes = held
            pending = nil
        }
        if framer == nil {
            switch bytes.withUnsafeReadableBytes({ parser.parse($0, into: &head) }) {
            case .incomplete:
                pending = bytes
                return
            case .failure:
                finish(reusable: false)
                return
            case .complete:
                let framing = head.responseFraming(toHead: headRequest)
                if head.status < 200 || framing == .untilClose || !head.keepAlive {
                    // Read away until the close; not reused.
                    finish(reusable: false, answered: true)
                    return
                }
                bytes.moveReaderIndex(forwardBy: head.length)
                framer = BodyFramer(framing)
            }
        }
        guard var body = framer else { return }
        let consumed: Int
        do {
            consumed = try bytes.withUnsafeReadableBytes { try body.consume($0) }
        } catch {
            finish(reusable: false)
            return
        }
        framer = body
        if body.isDone { finish(reusable: consumed == bytes.readableBytes) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        channel = nil
        finish(reusable: false)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }

    private func finish(reusable: Bool, answered answeredNow: Bool = false) {
        let callback = done
        done = nil
        framer = nil
        pending = nil
        if !reusable { channel?.close(promise: nil) }
        callback?(answered || answeredNow, reusable && channel?.isActive == true)
    }
}
