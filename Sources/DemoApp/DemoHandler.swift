import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Answers one connection's requests in order. Request bodies are read and ignored.
final class DemoHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let options: DemoAppOptions
    /// Shared by every connection of the server, so the failure share holds across connections.
    private let injector: NIOLockedValueBox<ErrorInjector>
    private var head: HTTPRequestHead?

    init(options: DemoAppOptions, injector: NIOLockedValueBox<ErrorInjector>) {
        self.options = options
        self.injector = injector
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        if path == "/healthz" || path == "/ready" {
            write(status: .ok, body: "ok\n", head: head, context: context)
            return
        }
        let fails = injector.withLockedValue { $0.nextFails() }
        let status: HTTPResponseStatus = fails ? .internalServerError : .ok
        let body = fails ? "injected failure from \(options.version)\n" : "hello from \(options.version)\n"
        guard options.latencyNanoseconds > 0 else {
            write(status: status, body: body, head: head, context: context)
            return
        }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .nanoseconds(options.latencyNanoseconds)) {
            let (handler, context) = loopBound.value
            handler.write(status: status, body: body, head: head, context: context)
        }
    }

    private func write(status: HTTPResponseStatus, body: String, head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/plain")
        headers.add(name: "content-length", value: String(body.utf8.count))
        headers.add(name: "x-demo-version", value: options.version)
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
                      promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
