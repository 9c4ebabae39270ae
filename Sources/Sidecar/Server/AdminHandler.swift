import NIOCore
import NIOHTTP1

/// One admin connection: NIO's HTTP/1.1 request decoder ahead of it gives whole requests; each is answered, one at
/// a time in request order, with one write of the whole response (head and body in one buffer).
/// `AdminServer.answerOnLoop` answers what the operator asks every proxy all the time without leaving this event
/// loop; anything else runs as a task (`AdminServer.respond`).
///
/// The answer is written here rather than as NIO's response parts (head, body, end) through its pipelining helper,
/// error handler, header validator and response encoder: at 201 proxies taking every weight change, those three
/// writes through four handlers were a seventh of a proxy's CPU per `PATCH /config` (docs/performance.md,
/// "reconcile", session 17). What they did for the admin endpoint is done here, with the same bytes on the wire: a
/// request that arrives while another is answered waits for that answer to be written (pipelining), a request NIO
/// cannot parse gets 400, a HEAD request's answer has no body.
final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer

    private let server: ProxyServer
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    /// Whole requests not answered yet, in arrival order; the first is being answered while `answering`.
    private var requests = CircularBuffer<(head: HTTPRequestHead, body: ByteBuffer)>()
    private var answering = false
    /// An answer to `Connection: close` (or HTTP/1.0) was written: the connection is closing, later requests are not
    /// answered.
    private var closing = false

    init(server: ProxyServer) {
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body.clear()
        case .body(var chunk):
            if body.readableBytes + chunk.readableBytes <= AdminServer.maxBody { body.writeBuffer(&chunk) }
        case .end:
            guard let h = head else { return }
            head = nil
            requests.append((h, body))
            answerNext(on: context.channel)
        }
    }

    /// A request NIO's decoder cannot parse: 400, byte for byte as NIO's protocol error handler answered it.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError {
            let refusal = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: refusal)), promise: nil)
        }
        context.fireErrorCaught(error)
    }

    /// Answers the first waiting request unless one is being answered; the next is taken once it is written.
    private func answerNext(on channel: any Channel) {
        guard !answering, !closing, let (head, body) = requests.popFirst() else { return }
        answering = true
        let eventLoop = channel.eventLoop
        let answer: EventLoopFuture<AdminServer.Answer>
        if server.adminGuard.verdict(for: head) != .allowed {
            answer = eventLoop.makeSucceededFuture(
                (.unauthorized, "text/plain", "this admin request needs Authorization: Bearer <token>\n"))
        } else if let onLoop = AdminServer.answerOnLoop(head, body: body, server: server, eventLoop: eventLoop) {
            answer = onLoop
        } else {
            let server = server
            let promise = eventLoop.makePromise(of: AdminServer.Answer.self)
            promise.completeWithTask { await AdminServer.respond(head, body: body, server: server) }
            answer = promise.futureResult
        }
        let handler = NIOLoopBound(self, eventLoop: eventLoop)
        // Runs at once when the answer was made on the loop (a weight change's patch): no hop, one write.
        answer.whenSuccess { answer in
            handler.value.write(answer, for: head, to: channel)
            handler.value.answering = false
            handler.value.answerNext(on: channel)
        }
    }

    private func write(_ answer: AdminServer.Answer, for head: HTTPRequestHead, to channel: any Channel) {
        let (status, contentType, text) = answer
        var response = channel.allocator.buffer(capacity: 96 + contentType.utf8.count + text.utf8.count)
        response.writeString("HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n")
        if status == .unauthorized { response.writeString("www-authenticate: Bearer\r\n") }
        response.writeString("content-type: \(contentType)\r\ncontent-length: \(text.utf8.count)\r\n\r\n")
        if head.method != .HEAD { response.writeString(text) }
        let written = channel.writeAndFlush(response)
        if head.method == .POST && head.uri == "/drain" && status == .accepted {
            let server = server
            written.whenComplete { _ in server.beginDrain() }
        }
        // `Connection: close` (or HTTP/1.0): close now, so the client sees the end instead of waiting.
        if !head.isKeepAlive {
            closing = true
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
