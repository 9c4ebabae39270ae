import NIOCore
import NIOHTTP1

/// One admin connection: gathers each request and writes its answer. `AdminServer.answerOnLoop` answers what the
/// operator asks every proxy all the time without leaving this event loop; anything else runs as a task
/// (`AdminServer.respond`). NIO's pipelining helper ahead of this handler keeps answers in request order.
final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: ProxyServer
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

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
            answer(h, body: body, context: context)
        }
    }

    private func answer(_ head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        let answer: EventLoopFuture<AdminServer.Answer>
        if server.adminGuard.verdict(for: head) != .allowed {
            answer = context.eventLoop.makeSucceededFuture(
                (.unauthorized, "text/plain", "this admin request needs Authorization: Bearer <token>\n"))
        } else if let onLoop = AdminServer.answerOnLoop(head, body: body, server: server, eventLoop: context.eventLoop) {
            answer = onLoop
        } else {
            let server = server
            let promise = context.eventLoop.makePromise(of: AdminServer.Answer.self)
            promise.completeWithTask { await AdminServer.respond(head, body: body, server: server) }
            answer = promise.futureResult
        }
        let channel = context.channel
        let server = server
        answer.whenSuccess { status, contentType, text in
            var headers = HTTPHeaders()
            if status == .unauthorized { headers.add(name: "www-authenticate", value: "Bearer") }
            headers.add(name: "content-type", value: contentType)
            headers.add(name: "content-length", value: "\(text.utf8.count)")
            channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)),
                          promise: nil)
            channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: text))), promise: nil)
            let written = channel.writeAndFlush(HTTPServerResponsePart.end(nil))
            if head.method == .POST && head.uri == "/drain" && status == .accepted {
                written.whenComplete { _ in server.beginDrain() }
            }
            // `Connection: close` (or HTTP/1.0): close now, so the client sees the end instead of waiting.
            if !head.isKeepAlive { written.whenComplete { _ in channel.close(promise: nil) } }
        }
    }
}
