import NIOCore
import NIOHPACK
import NIOHTTP2

/// One HTTP/2 stream to an endpoint, seen by the `UpstreamHandler` above it as an HTTP/1.1 connection carrying one
/// exchange: the request bytes the exchange writes (its head already rewritten for forwarding, its body framed as
/// the client framed it) become HEADERS, DATA and trailers; the response's HEADERS, DATA and trailers become an
/// HTTP/1.1 response, chunked so that trailers (gRPC's status) pass. Nothing else of the exchange changes: the
/// pooled HTTP/1.1 connection and the pooled HTTP/2 stream are the same thing to it.
///
/// It also counts gRPC responses by `grpc-status` for the endpoint (headers of a Trailers-Only response, or
/// trailers), for HTTP 2xx answers only: a 5xx already counts as a failure.
final class UpstreamStreamBridge: ChannelDuplexHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let endpoint: EndpointState

    // Request side.
    private var parser = HTTPHeadParser(kind: .request)
    private var head = HTTPHead()
    private var headBytes: ByteBuffer?
    private var body: HTTP1BodyReader?
    private var isHeadRequest = false

    // Response side.
    private var finalStatus = 0
    private var chunkedResponse = false
    /// END_STREAM went out (the request is whole) and came in (so did the response): the stream is done.
    private var requestEnded = false
    private var responseEnded = false

    init(endpoint: EndpointState) {
        self.endpoint = endpoint
    }

    // MARK: request: HTTP/1.1 bytes in, frames out

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        promise?.succeed(())
        var bytes = unwrapOutboundIn(data)
        if bytes.readableBytes == 0 { return }
        if body == nil {
            if var held = headBytes {
                held.writeBuffer(&bytes)
                bytes = held
                headBytes = nil
            }
            let outcome = bytes.withUnsafeReadableBytes { parser.parse($0, into: &head) }
            switch outcome {
            case .incomplete:
                headBytes = bytes
                return
            case .failure:
                context.close(promise: nil)
                return
            case .complete:
                sendHead(bytes, context: context)
                bytes.moveReaderIndex(forwardBy: head.length)
            }
        }
        sendBody(&bytes, context: context)
    }

    private func sendHead(_ bytes: ByteBuffer, context: ChannelHandlerContext) {
        let framing = head.requestFraming
        let reader = HTTP1BodyReader(framing)
        body = reader
        var headers = HPACKHeaders()
        bytes.withUnsafeReadableBytes { b in
            func text(_ range: Range<Int>) -> String { String(decoding: UnsafeRawBufferPointer(rebasing: b[range]), as: UTF8.self) }
            let method = text(0..<head.methodEnd)
            isHeadRequest = method == "HEAD"
            var path = text(head.targetStart..<head.targetEnd)
            var authority: String? = nil
            if head.authorityEnd > 0 {
                // absolute-form: the authority is the target's, and the path what follows it.
                authority = text(head.authorityStart..<head.authorityEnd)
                path = text(head.authorityEnd..<head.targetEnd)
                if !path.hasPrefix("/") { path = "/" + path }
            } else if let host = head.hostField {
                authority = text(head.fields[host].valueStart..<head.fields[host].valueEnd)
            }
            headers.add(name: ":method", value: method)
            headers.add(name: ":scheme", value: "http")
            if let authority { headers.add(name: ":authority", value: authority) }
            headers.add(name: ":path", value: path)
            HTTP2Heads.fields(of: head, in: b, into: &headers) { name in name == "content-length" && framing == .chunked }
        }
        if headers.first(name: "content-type")?.hasPrefix("application/grpc") == true {
            // gRPC servers require it (the exchange dropped the client's, TE being hop-by-hop in HTTP/1.1).
            headers.add(name: "te", value: "trailers")
        }
        requestEnded = reader.isDone
        context.write(wrapOutboundOut(.headers(.init(headers: headers, endStream: reader.isDone))), promise: nil)
    }

    private func sendBody(_ bytes: inout ByteBuffer, context: ChannelHandlerContext) {
        guard var reader = body, !reader.isDone, bytes.readableBytes > 0 else { return }
        let piece: HTTP1BodyReader.Piece
        do {
            piece = try reader.read(&bytes, allocator: context.channel.allocator)
        } catch {
            context.close(promise: nil)
            return
        }
        body = reader
        requestEnded = piece.done
        if !piece.done {
            if let payload = piece.payload { context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(payload)))), promise: nil) }
        } else if let trailers = piece.trailers {
            if let payload = piece.payload { context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(payload)))), promise: nil) }
            context.write(wrapOutboundOut(.headers(.init(headers: trailers, endStream: true))), promise: nil)
        } else {
            context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(piece.payload ?? ByteBuffer()), endStream: true))), promise: nil)
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        // A client's half-close comes after its request's end, which END_STREAM already said.
        guard mode == .all, !(requestEnded && responseEnded) else {
            // A stream whose both ends are done closes by itself; closing it now would send a needless RST_STREAM.
            promise?.succeed(())
            return
        }
        context.close(mode: mode, promise: promise)
    }

    // MARK: response: frames in, HTTP/1.1 bytes on

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let allocator = context.channel.allocator
        switch unwrapInboundIn(data) {
        case .headers(let frame):
            if frame.endStream { responseEnded = true }
            if finalStatus == 0 {
                guard let out = responseHead(frame, allocator: allocator) else {
                    context.close(promise: nil)
                    return
                }
                context.fireChannelRead(wrapInboundOut(out))
            } else if chunkedResponse {
                // Trailers.
                countGRPCStatus(frame.headers)
                guard let last = HTTP2Heads.lastChunk(trailers: frame.headers, allocator: allocator) else {
                    context.close(promise: nil)
                    return
                }
                chunkedResponse = false
                context.fireChannelRead(wrapInboundOut(last))
            }
        case .data(let frame):
            if frame.endStream { responseEnded = true }
            guard chunkedResponse, case .byteBuffer(let bytes) = frame.data else { return }
            var out = bytes.readableBytes > 0 ? HTTP2Heads.chunk(bytes, allocator: allocator) : allocator.buffer(capacity: 5)
            if frame.endStream {
                out.writeStaticString("0\r\n\r\n")
                chunkedResponse = false
            }
            if out.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(out)) }
        default:
            break
        }
    }

    /// An interim or final response head as HTTP/1.1; nil when it cannot be one.
    private func responseHead(_ frame: HTTP2Frame.FramePayload.Headers, allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard let status = frame.headers.first(name: ":status").flatMap(Int.init), status >= 100, status <= 999 else {
            return nil
        }
        var out = allocator.buffer(capacity: 256)
        out.writeString("HTTP/1.1 \(status) \(HeadWriter.reasonPhrase(status))\r\n")
        let whole = frame.endStream
        let keepLength = whole && (isHeadRequest || status == 204 || status == 304)
        guard HTTP2Heads.writeFields(frame.headers, into: &out, skipping: { $0 == "content-length" && !keepLength }) else {
            return nil
        }
        if status < 200 {
            out.writeStaticString("\r\n")
            return out
        }
        finalStatus = status
        if whole {
            if !keepLength { out.writeStaticString("content-length: 0\r\n") }
            countGRPCStatus(frame.headers)
        } else if isHeadRequest || status == 204 || status == 304 {
            // No body by definition; a DATA frame would be a protocol error the exchange need not see.
        } else {
            chunkedResponse = true
            out.writeStaticString("transfer-encoding: chunked\r\n")
        }
        out.writeStaticString("\r\n")
        return out
    }

    private func countGRPCStatus(_ headers: HPACKHeaders) {
        guard finalStatus >= 200 && finalStatus < 300, let text = headers.first(name: "grpc-status"),
            let status = GRPCStatus.parse(Substring(text))
        else { return }
        endpoint.recordGRPC(status: status)
    }
}
