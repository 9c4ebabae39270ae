import NIOCore

/// The HTTP/2 connection preface (RFC 9113 §3.4): a client with prior knowledge starts with it, and it is not a
/// valid HTTP/1.1 request line, so one look at a connection's first bytes tells the two apart.
enum HTTP2Preface {
    static let bytes: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    enum Verdict { case http1, http2, undecided }

    static func classify(_ buffer: ByteBuffer) -> Verdict {
        let view = buffer.readableBytesView
        let count = min(view.count, bytes.count)
        guard view.prefix(count).elementsEqual(bytes.prefix(count)) else { return .http1 }
        return count == bytes.count ? .http2 : .undecided
    }
}

extension DownstreamHandler: RemovableChannelHandler {}

extension DownstreamHandler {
    /// Looks at a connection's first bytes (in `pending`). True when they are, or may still become, the HTTP/2
    /// preface: the caller stops there. On the whole preface, the connection's pipeline becomes HTTP/2's and this
    /// handler leaves it.
    func divertedToHTTP2() -> Bool {
        guard let buffered = pending else { return false }
        switch HTTP2Preface.classify(buffered) {
        case .http1:
            awaitingFirstBytes = false
            return false
        case .undecided:
            return true
        case .http2:
            awaitingFirstBytes = false
            switchToHTTP2(replaying: buffered)
            return true
        }
    }

    private func switchToHTTP2(replaying buffered: ByteBuffer) {
        guard let context else { return }
        pending = nil
        closing = true
        writer.detach()
        loop.unregister(self)
        let channel = context.channel
        do {
            // Added after this handler (last in the pipeline), so the replayed bytes go on from here: behind a TLS
            // handler they are already decrypted and must not pass through it again.
            try HTTP2Server.configure(channel, loop: loop, listenerName: listenerName, peer: peer)
        } catch {
            channel.close(promise: nil)
            return
        }
        context.fireChannelRead(NIOAny(buffered))
        context.fireChannelReadComplete()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        self.context = nil
    }
}
