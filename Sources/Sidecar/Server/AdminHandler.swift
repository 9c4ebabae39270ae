import NIOCore
import NIOHTTP1

/// One admin connection, the only handler of its pipeline: it frames requests out of the received bytes with the
/// proxy's own head parser and body framer (`AdminHandler+Framing.swift`) and answers each, one at a time in request
/// order, with one write of the whole response (head and body in one buffer). `AdminServer.answer` answers what the
/// operator asks every proxy all the time (`GET /config/version`, `PATCH /config`) at once on this event loop;
/// anything else runs as a task (`AdminServer.respond`).
///
/// Why not NIO's HTTP/1.1 decoder and response encoder: every weight change wakes all 201 proxies of the bench for
/// one `PATCH /config`, cold, and NIO's decoder (llhttp behind `ByteToMessageHandler`, a request's parts passed as
/// three messages through the pipeline) and its response handlers were most of what a proxy spent on it
/// (docs/performance.md, "reconcile", sessions 17 and 19). What they did is done here, with the same bytes on the
/// wire: a request that arrives while another is answered waits for that answer to be written (pipelining), what
/// cannot be parsed gets 400 and the connection closes, a HEAD request's answer has no body, `Connection: close` is
/// answered and then closed.
final class AdminHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let server: ProxyServer
    /// Bytes received and not framed yet (the start of a head, or of a body).
    var received = ByteBuffer()
    var parser: HTTPHeadParser
    var head = HTTPHead()
    var framer = BodyFramer(.none)
    /// The request whose head is in and whose body is being read.
    var current: AdminRequest?
    /// A request could not be framed: nothing after it is read.
    var readingEnded = false
    /// Whole requests not answered yet, in arrival order; the first is being answered while `answering`.
    var requests = CircularBuffer<AdminRequest>()
    private var answering = false
    /// An answer to `Connection: close` (or HTTP/1.0, or a malformed request) was written: the connection is
    /// closing, later requests are not answered.
    private var closing = false

    init(server: ProxyServer) {
        self.server = server
        parser = HTTPHeadParser(kind: .request)
        parser.requiresHost = false
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !readingEnded else { return }
        var bytes = unwrapInboundIn(data)
        if received.readableBytes == 0 {
            received = bytes  // the usual case: a request arrives whole, and is framed where it was read
        } else {
            received.writeBuffer(&bytes)
        }
        frameRequests(allocator: context.channel.allocator)
        if received.readableBytes == 0 {
            received = ByteBuffer()
        } else if received.readerIndex > 0 {
            received.discardReadBytes()  // the start of the next request moves to the front; the parser's offsets are from there
        }
        answerNext(on: context.channel)
    }

    /// Answers the waiting requests in order, each once the one before it is written: at once when the answer is
    /// made on the loop, else when its task ends.
    private func answerNext(on channel: any Channel) {
        while !answering, !closing, let request = requests.popFirst() {
            if request.refusal == .malformed {
                refuse(on: channel)
                return
            }
            switch AdminServer.answer(request, server: server, eventLoop: channel.eventLoop) {
            case .now(let answer):
                write(answer, for: request, to: channel)
            case .later(let answer):
                answering = true
                let handler = NIOLoopBound(self, eventLoop: channel.eventLoop)
                answer.whenSuccess { answer in
                    handler.value.write(answer, for: request, to: channel)
                    handler.value.answering = false
                    handler.value.answerNext(on: channel)
                }
            }
        }
    }

    /// Bytes that are not a request: 400, byte for byte as NIO's protocol error handler answered it, and the
    /// connection closes (what follows cannot be framed).
    private func refuse(on channel: any Channel) {
        closing = true
        let refusal = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        channel.writeAndFlush(channel.allocator.buffer(string: refusal)).whenComplete { _ in channel.close(promise: nil) }
    }

    private func write(_ answer: AdminServer.Answer, for request: AdminRequest, to channel: any Channel) {
        let (status, contentType, text) = answer
        var response = channel.allocator.buffer(capacity: 96 + contentType.utf8.count + text.utf8.count)
        response.writeString("HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n")
        if status == .unauthorized { response.writeString("www-authenticate: Bearer\r\n") }
        response.writeString("content-type: \(contentType)\r\ncontent-length: \(text.utf8.count)\r\n\r\n")
        if request.method != .head { response.writeString(text) }
        let written = channel.writeAndFlush(response)
        if request.method == .post && request.path == "/drain" && status == .accepted {
            let server = server
            written.whenComplete { _ in server.beginDrain() }
        }
        // `Connection: close` (or HTTP/1.0): close now, so the client sees the end instead of waiting.
        if !request.keepAlive {
            closing = true
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
