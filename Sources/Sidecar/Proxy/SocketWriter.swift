import CSocketReceive
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends one connection's bytes: straight to its socket with `send(2)` while NIO has nothing queued for it, and
/// through the channel otherwise.
///
/// Why: profiling showed NIO's outbound path (pipeline pass, pending-writes bookkeeping, lifecycle checks) costing
/// about as much user time per request as all of the proxy's own HTTP work, twice per request. A whole response of
/// a few hundred bytes nearly always fits the socket's send buffer, so the common case is one system call. When
/// the kernel takes only part (or nothing), the rest goes to NIO, which queues it, waits for writability and
/// drives back-pressure as before; until NIO has written all of it, later bytes follow the same way, so order is
/// kept. The descriptor is used only while the channel is active: NIO marks a channel inactive before any code of
/// ours can run after it closed the socket, so a reused descriptor number is never written to. On a busy loop a
/// flush waits for the end of the loop's turn and goes out with the others (`WriteBatch`); `flushNow` does not wait,
/// for what must precede a close or half-close.
///
/// One per connection, used only on the connection's event loop.
final class SocketWriter: EndOfTurnFlushing {
    /// The socket's descriptor, or -1 when it is unknown (then every write goes through NIO).
    private var descriptor: CInt = -1
    private var channel: (any Channel)?
    /// NIO writes not yet completed; direct sends wait for zero.
    private var queued = 0
    /// Written but not flushed: the first buffer, and any more after it (rare: a rewritten head and its body).
    private var first: ByteBuffer?
    private var more: [ByteBuffer] = []

    /// System calls made directly, and buffers handed to NIO instead (for tests).
    private(set) var directSends = 0
    private(set) var channelWrites = 0

    /// Whether the socket was found, so writes can skip NIO.
    var isDirect: Bool { descriptor >= 0 }

    /// When set, flushed bytes wait for the end of the loop's turn (see `WriteBatch`).
    private var batch: WriteBatch?
    /// The context of a flush waiting in the batch; non-nil exactly while this writer is in it.
    private var batchedContext: ChannelHandlerContext?

    /// Finds the channel's socket (see `SocketDescriptor.of`); until then, or when it cannot be found, NIO writes.
    /// `direct: false` when a handler in the pipeline must see the bytes (TLS): every write then goes through NIO.
    func attach(_ channel: any Channel, batch: WriteBatch? = nil, direct: Bool = true) {
        self.channel = channel
        self.batch = batch
        descriptor = direct ? SocketDescriptor.of(channel) ?? -1 : -1
        // NIO's reads of this socket become recv(2) (CSocketReceive): it is a connected TCP socket of ours.
        if descriptor >= 0 { mesh_receive_with_recv(descriptor, 1) }
    }

    /// Sets the loop's batch (an upstream connection learns it from its pool once connected).
    func use(batch: WriteBatch?) { self.batch = batch }

    /// Called by the batch at the end of the turn.
    func flushAtEndOfTurn() {
        guard let context = batchedContext else { return }
        batchedContext = nil
        // Closed since (detached): its bytes were dropped with it, and its context may be out of the pipeline.
        guard channel != nil else { return }
        flushNow(context: context)
    }

    /// Forgets the channel: called when it closes, so nothing is sent on its descriptor number again.
    func detach() {
        channel = nil
        if descriptor >= 0 { mesh_receive_with_recv(descriptor, 0) }
        descriptor = -1
        first = nil
        more.removeAll()
    }

    @inline(__always)
    func write(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        if descriptor < 0 {
            context.write(NIOAny(buffer), promise: nil)
        } else if queued > 0 {
            writeThroughChannel(buffer, context: context)
        } else if first == nil {
            first = buffer
        } else {
            more.append(buffer)
        }
    }

    @inline(__always)
    func flush(context: ChannelHandlerContext) {
        if let batch, first != nil, batchedContext != nil || batch.isWorthWaiting {
            if batchedContext == nil {
                batchedContext = context
                batch.enqueue(self)
            }
            return
        }
        flushNow(context: context)
    }

    /// Sends what was written now, batch or not (before a close or half-close, which must follow the bytes).
    @inline(__always)
    func flushNow(context: ChannelHandlerContext) {
        guard var head = first else {
            if queued > 0 || descriptor < 0 { context.flush() }
            return
        }
        first = nil
        if more.isEmpty {
            send(&head, context: context)
            return
        }
        var buffers = [head]
        buffers.append(contentsOf: more)
        more.removeAll(keepingCapacity: true)
        sendAll(buffers, context: context)
    }

    /// The hot path: a whole response (or request) in one buffer, with nothing queued before it.
    @inline(__always)
    func writeAndFlush(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        if first == nil && queued == 0 && descriptor >= 0 && !(batch?.isWorthWaiting ?? false) {
            var buffer = buffer
            send(&buffer, context: context)
        } else if descriptor < 0 {
            context.writeAndFlush(NIOAny(buffer), promise: nil)
        } else {
            write(buffer, context: context)
            flush(context: context)
        }
    }

    // MARK: sending

    private var canSendDirectly: Bool {
        queued == 0 && descriptor >= 0 && (channel?.isActive ?? false)
    }

    private func send(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) {
        guard buffer.readableBytes > 0 else { return }
        if canSendDirectly {
            let fd = descriptor
            let sent = buffer.withUnsafeReadableBytes { bytes in
                Self.sendSome(fd, bytes)
            }
            directSends &+= 1
            if sent == buffer.readableBytes { return }
            buffer.moveReaderIndex(forwardBy: max(sent, 0))
        }
        writeThroughChannel(buffer, context: context)
        context.flush()
    }

    private func sendAll(_ buffers: [ByteBuffer], context: ChannelHandlerContext) {
        var remaining = buffers[...]
        if canSendDirectly {
            var sent = Self.sendVector(descriptor, buffers)
            directSends &+= 1
            while sent > 0, var buffer = remaining.first {
                let take = min(sent, buffer.readableBytes)
                buffer.moveReaderIndex(forwardBy: take)
                sent -= take
                if buffer.readableBytes == 0 {
                    remaining = remaining.dropFirst()
                } else {
                    remaining[remaining.startIndex] = buffer
                }
            }
            if remaining.allSatisfy({ $0.readableBytes == 0 }) { return }
        }
        for buffer in remaining where buffer.readableBytes > 0 { writeThroughChannel(buffer, context: context) }
        context.flush()
    }

    /// A write whose completion someone waits for (`CiphertextWriter`): after what is pending, through NIO.
    func write(_ buffer: ByteBuffer, promise: EventLoopPromise<Void>, context: ChannelHandlerContext) {
        flushNow(context: context)
        writeThroughChannel(buffer, context: context, then: promise)
    }

    /// Queues `buffer` in NIO and counts it until NIO reports it written (or failed), then completes `then`.
    private func writeThroughChannel(
        _ buffer: ByteBuffer, context: ChannelHandlerContext, then: EventLoopPromise<Void>? = nil
    ) {
        let promise = context.eventLoop.makePromise(of: Void.self)
        queued += 1
        channelWrites &+= 1
        promise.futureResult.assumeIsolatedUnsafeUnchecked().whenComplete { _ in self.queued -= 1 }
        if let then { promise.futureResult.cascade(to: then) }
        context.write(NIOAny(buffer), promise: promise)
    }

    /// One `send(2)`; the bytes the kernel took (0 when it took none or failed: NIO then meets the error itself).
    private static func sendSome(_ fd: CInt, _ bytes: UnsafeRawBufferPointer) -> Int {
        while true {
            let n = Glibc.send(fd, bytes.baseAddress, bytes.count, CInt(MSG_NOSIGNAL))
            if n >= 0 { return n }
            if errno == EINTR { continue }
            return 0
        }
    }

    /// One `sendmsg(2)` of every buffer; the bytes the kernel took.
    private static func sendVector(_ fd: CInt, _ buffers: [ByteBuffer]) -> Int {
        var vectors: [iovec] = []
        vectors.reserveCapacity(buffers.count)
        return withVectors(buffers[...], &vectors) { vectors in
            vectors.withUnsafeMutableBufferPointer { iov in
                var message = msghdr()
                message.msg_iov = iov.baseAddress
                message.msg_iovlen = iov.count
                while true {
                    let n = Glibc.sendmsg(fd, &message, CInt(MSG_NOSIGNAL))
                    if n >= 0 { return n }
                    if errno == EINTR { continue }
                    return 0
                }
            }
        }
    }

    /// Calls `body` with an iovec for each buffer's readable bytes, all valid for the duration of the call.
    private static func withVectors(
        _ buffers: ArraySlice<ByteBuffer>, _ vectors: inout [iovec], _ body: (inout [iovec]) -> Int
    ) -> Int {
        guard let buffer = buffers.first else { return body(&vectors) }
        return buffer.withUnsafeReadableBytes { bytes in
            if bytes.count > 0 {
                vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count))
            }
            return withVectors(buffers.dropFirst(), &vectors, body)
        }
    }
}
