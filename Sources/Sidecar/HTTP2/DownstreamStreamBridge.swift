import NIOCore
import NIOHPACK
import NIOHTTP2

/// One HTTP/2 stream of a client connection, served as the HTTP/1.1 exchange of the `DownstreamHandler` next in the
/// stream's pipeline: the request's HEADERS and DATA become an HTTP/1.1 request (chunked when no length is
/// announced, trailers carried), and the response bytes the handler writes become HEADERS, DATA and trailers.
///
/// So a stream is routed, split, balanced, retried and timed out by the one exchange engine and state machine the
/// HTTP/1.1 listeners use, per request rather than per connection. Flow control passes through: the handler holds
/// reads while its upstream is slow (the stream then sends no WINDOW_UPDATE), and the stream channel's writability
/// (its flow-control window) holds the upstream's reads.
///
/// The synthetic head says `connection: close`, so the handler closes the stream channel once the response is
/// complete; the frame that ends the stream (the last DATA, or the trailers) is held until that close, so the
/// stream cannot end before the handler has finished its exchange. A close before the response is complete resets
/// the stream (RST_STREAM CANCEL): the client never sees a cut response as whole.
final class DownstreamStreamBridge: ChannelDuplexHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = HTTP2Frame.FramePayload

    /// The exchange this stream feeds; told the gRPC facts of the request before its head.
    private weak var exchange: DownstreamHandler?

    // Request side.
    private var requestStarted = false
    private var requestChunked = false
    private var requestEnded = false
    private var isHead = false
    private var grpc: GRPCCall?

    // Response side.
    private var responseParser = HTTPHeadParser(kind: .response)
    private var response = HTTPHead()
    private var headBytes: ByteBuffer?
    private var body: HTTP1BodyReader?
    /// The body is not forwarded (a gRPC call's local answer became a Trailers-Only response).
    private var dropBody = false
    private var responseComplete = false
    /// The frame that ends the stream, sent when the handler closes the channel.
    private var ending: HTTP2Frame.FramePayload?

    init(exchange: DownstreamHandler) {
        self.exchange = exchange
    }

    // MARK: request: frames in, HTTP/1.1 bytes on

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let headers):
            if !requestStarted {
                startRequest(headers, context: context)
            } else if !requestEnded {
                // Trailers (END_STREAM is on them): the last chunk carries them; a request with a Content-Length
                // cannot carry them in HTTP/1.1 and they are dropped.
                requestEnded = true
                if requestChunked {
                    guard let last = HTTP2Heads.lastChunk(trailers: headers.headers, allocator: context.channel.allocator)
                    else { return refuse(context: context) }
                    context.fireChannelRead(wrapInboundOut(last))
                }
            }
        case .data(let frame):
            guard requestStarted, !requestEnded, case .byteBuffer(let bytes) = frame.data else { return }
            if requestChunked {
                if bytes.readableBytes > 0 {
                    context.fireChannelRead(wrapInboundOut(HTTP2Heads.chunk(bytes, allocator: context.channel.allocator)))
                }
                if frame.endStream { context.fireChannelRead(wrapInboundOut(ByteBuffer(staticString: "0\r\n\r\n"))) }
            } else if bytes.readableBytes > 0 {
                context.fireChannelRead(wrapInboundOut(bytes))
            }
            if frame.endStream { requestEnded = true }
        default:
            break
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The request's end is in its HTTP/1.1 framing; a half-close would make the handler half-close its
        // upstream connection too.
        if let event = event as? ChannelEvent, event == .inputClosed { return }
        context.fireUserInboundEventTriggered(event)
    }

    /// The request head: pseudo-fields to the request line and Host, the rest as fields.
    private func startRequest(_ frame: HTTP2Frame.FramePayload.Headers, context: ChannelHandlerContext) {
        let headers = frame.headers
        requestStarted = true
        requestEnded = frame.endStream
        guard let method = headers.first(name: ":method"), let path = headers.first(name: ":path"),
            method != "CONNECT", !HTTP2Heads.isUnsafe(method), !HTTP2Heads.isUnsafe(path)
        else { return refuse(context: context) }
        isHead = method == "HEAD"
        grpc = GRPCCall(headers)
        requestChunked = !frame.endStream && headers.first(name: "content-length") == nil
        var out = context.channel.allocator.buffer(capacity: 256)
        out.writeString(method)
        out.writeStaticString(" ")
        out.writeString(path)
        out.writeStaticString(" HTTP/1.1\r\n")
        if let authority = headers.first(name: ":authority") ?? headers.first(name: "host") {
            guard !HTTP2Heads.isUnsafe(authority) else { return refuse(context: context) }
            out.writeStaticString("host: ")
            out.writeString(authority)
            out.writeStaticString("\r\n")
        }
        guard HTTP2Heads.writeFields(headers, into: &out) else { return refuse(context: context) }
        if requestChunked { out.writeStaticString("transfer-encoding: chunked\r\n") }
        out.writeStaticString("connection: close\r\n\r\n")
        exchange?.grpcCall = grpc
        context.fireChannelRead(wrapInboundOut(out))
    }

    /// A request HTTP/1.1 could not carry faithfully: the stream is reset (RFC 9113 §8.1.1, malformed).
    private func refuse(context: ChannelHandlerContext) {
        responseComplete = true
        context.writeAndFlush(wrapOutboundOut(.rstStream(.protocolError)), promise: nil)
        context.close(promise: nil)
    }

    // MARK: response: HTTP/1.1 bytes in, frames out

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        promise?.succeed(())
        var bytes = unwrapOutboundIn(data)
        if responseComplete || bytes.readableBytes == 0 { return }
        if body == nil {
            if var held = headBytes {
                held.writeBuffer(&bytes)
                bytes = held
                headBytes = nil
            }
            guard readHead(&bytes, context: context) else { return }
        }
        forwardBody(&bytes, context: context)
    }

    /// Parses the response head(s) at the start of `bytes`; interim ones go out at once. True once the final head
    /// was handled and `bytes` holds what follows it.
    private func readHead(_ bytes: inout ByteBuffer, context: ChannelHandlerContext) -> Bool {
        while true {
            let outcome = bytes.withUnsafeReadableBytes { responseParser.parse($0, into: &response) }
            switch outcome {
            case .incomplete:
                headBytes = bytes
                return false
            case .failure:
                // The handler checked this head already; a failure here is a bug, and the stream must not look whole.
                responseComplete = true
                context.close(promise: nil)
                return false
            case .complete:
                break
            }
            if response.status >= 200 {
                beginResponse(bytes, context: context)
                bytes.moveReaderIndex(forwardBy: response.length)
                return true
            }
            if response.status != 101 {
                var headers = HPACKHeaders()
                headers.add(name: ":status", value: String(response.status))
                context.write(wrapOutboundOut(.headers(.init(headers: headers))), promise: nil)
            }
            bytes.moveReaderIndex(forwardBy: response.length)
            responseParser.reset()
            if bytes.readableBytes == 0 { return false }
        }
    }

    /// The final head: HEADERS now, or held as the ending when it is the whole response.
    private func beginResponse(_ bytes: ByteBuffer, context: ChannelHandlerContext) {
        let reader = HTTP1BodyReader(response.responseFraming(toHead: isHead))
        body = reader
        var headers = HPACKHeaders()
        headers.add(name: ":status", value: String(response.status))
        let reason = bytes.withUnsafeReadableBytes { b -> String? in
            HTTP2Heads.fields(of: response, in: b, into: &headers)
            return headers.first(name: "x-mesh-reason")
        }
        if grpc != nil, let reason {
            // The proxy's own answer to a gRPC call: a Trailers-Only response with the matching gRPC status, which
            // is what a gRPC client reads (an HTTP 503 would reach it as a transport error).
            dropBody = true
            var only = HPACKHeaders()
            only.add(name: ":status", value: "200")
            only.add(name: "content-type", value: "application/grpc")
            // An injected gRPC abort names its status itself; other answers map their HTTP status.
            let given = headers.first(name: "grpc-status").flatMap { GRPCStatus.parse(Substring($0)) }
            only.add(name: "grpc-status", value: String(given ?? GRPCStatus.forLocalAnswer(status: response.status, reason: reason)))
            only.add(name: "grpc-message", value: given == nil ? "mesh proxy: \(response.status) \(reason)" : "mesh proxy: \(reason)")
            only.add(name: "x-mesh-reason", value: reason)
            ending = .headers(.init(headers: only, endStream: true))
        } else if reader.isDone {
            ending = .headers(.init(headers: headers, endStream: true))
        } else {
            context.write(wrapOutboundOut(.headers(.init(headers: headers))), promise: nil)
        }
        if reader.isDone { responseComplete = true }
    }

    private func forwardBody(_ bytes: inout ByteBuffer, context: ChannelHandlerContext) {
        guard var reader = body, !reader.isDone, bytes.readableBytes > 0 else { return }
        let piece: HTTP1BodyReader.Piece
        do {
            piece = try reader.read(&bytes, allocator: context.channel.allocator)
        } catch {
            responseComplete = true
            context.close(promise: nil)
            return
        }
        body = reader
        let payload = dropBody ? nil : piece.payload
        guard piece.done else {
            if let payload { context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(payload)))), promise: nil) }
            return
        }
        responseComplete = true
        if dropBody { return }
        if let trailers = piece.trailers {
            if let payload { context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(payload)))), promise: nil) }
            ending = .headers(.init(headers: trailers, endStream: true))
        } else {
            ending = .data(.init(data: .byteBuffer(payload ?? ByteBuffer()), endStream: true))
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all else {
            context.close(mode: mode, promise: promise)
            return
        }
        if !responseComplete, body?.isUntilClose == true {
            // A body delimited by the upstream's close: the close is its end.
            responseComplete = true
            ending = .data(.init(data: .byteBuffer(ByteBuffer()), endStream: true))
        }
        if responseComplete, let ending {
            self.ending = nil
            context.writeAndFlush(wrapOutboundOut(ending), promise: nil)
            if requestEnded {
                // Both sides ended: the stream closes by itself, cleanly.
                promise?.succeed(())
                return
            }
        }
        context.close(mode: mode, promise: promise)
    }
}
