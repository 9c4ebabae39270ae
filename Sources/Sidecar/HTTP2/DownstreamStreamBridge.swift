import NIOCore
import NIOHPACK
import NIOHTTP2

/// One HTTP/2 stream of a client connection, served as one exchange of a `DownstreamHandler`: the request's HEADERS
/// and DATA become the HTTP/1.1 request the exchange reads (chunked when no length is announced, trailers carried),
/// and the response bytes the exchange writes become HEADERS, DATA and trailers. No channel of its own: its frames
/// come from and go to its connection (`HTTP2ClientConnection`), and the exchange runs without a
/// `ChannelHandlerContext` (its writes, flushes and closes come here: DownstreamHandler+Stream.swift).
///
/// So a stream is routed, split, balanced, retried and timed out by the one exchange engine and state machine the
/// HTTP/1.1 listeners use, per request rather than per connection.
///
/// Flow control both ways, as the child channels did it: the stream's receive window is handed back (WINDOW_UPDATE)
/// only while the exchange reads (it holds reads while its upstream is slow), and the exchange's client side is not
/// writable once it wrote more than the client's window allows, which holds the upstream's reads.
///
/// The frame that ends the stream (the last DATA, or the trailers) is held until the exchange closes, so the stream
/// cannot end before the exchange has finished. A close before the response is complete resets the stream
/// (RST_STREAM CANCEL): the client never sees a cut response as whole.
final class DownstreamStreamBridge {
    let id: HTTP2StreamID
    private weak var connection: HTTP2ClientConnection?
    /// The exchange this stream feeds; let go when the stream ends.
    private(set) var exchange: DownstreamHandler?
    private let allocator: ByteBufferAllocator

    // Request side.
    private var requestStarted = false
    private var requestChunked = false
    private var requestEnded = false
    private var isHead = false
    private var grpc: GRPCCall?
    /// Received DATA bytes not yet handed back in a WINDOW_UPDATE.
    private var bytesHeld = 0
    /// The request's content-length less the DATA bytes received so far.
    private var requestBodyLeft: Int?

    // Response side.
    private var responseParser = HTTPHeadParser(kind: .response)
    private var response = HTTPHead()
    private var headBytes: ByteBuffer?
    /// The final head at the start of the exchange's next write, as the exchange parsed it (`headAhead`).
    private var announced: (head: HTTPHead, fields: HPACKHeaders?)?
    private var body: HTTP1BodyReader?
    /// The body is not forwarded (a gRPC call's local answer became a Trailers-Only response).
    private var dropBody = false
    private var responseComplete = false
    /// The frame that ends the stream, sent when the exchange closes.
    private var ending: Ending?
    /// DATA bytes written against the client's window.
    private var sendWindow: StreamSendWindow
    /// Reset by us, ended, or closed with the connection.
    private var isClosed = false

    init(id: HTTP2StreamID, connection: HTTP2ClientConnection, exchange: DownstreamHandler) {
        self.id = id
        self.connection = connection
        self.exchange = exchange
        allocator = connection.allocator
        sendWindow = StreamSendWindow(initial: connection.peerInitialWindow)
    }

    private func write(_ payload: HTTP2Frame.FramePayload) {
        connection?.write(payload, on: id)
    }

    func flush() { connection?.flush() }

    /// The stream ended (both ways, reset by either side, or its connection closed): the exchange is let go.
    func closed() {
        isClosed = true
        guard let exchange else { return }
        self.exchange = nil
        exchange.streamEnded()
    }

    // MARK: request: frames in, HTTP/1.1 bytes on

    /// A HEADERS frame of the request; `flowControlled`: what it took of the stream's window (none).
    func received(_ payload: HTTP2Frame.FramePayload, flowControlled: Int) {
        guard !isClosed, let exchange else { return }
        switch payload {
        case .headers(let frame):
            if !requestStarted {
                startRequest(frame, exchange: exchange)
            } else if !requestEnded {
                // Trailers (END_STREAM is on them): the last chunk carries them; a request with a Content-Length
                // cannot carry them in HTTP/1.1 and they are dropped.
                requestEnded = true
                guard HTTP2FieldRules.check(frame.headers, as: .trailers) != nil, (requestBodyLeft ?? 0) == 0 else {
                    return refuse()
                }
                if requestChunked {
                    exchange.clientBytes(HTTP2Heads.lastChunk(trailers: frame.headers, allocator: allocator))
                }
            }
        default:
            break
        }
    }

    /// A DATA frame of the request; `flowControlled`: what it took of the stream's window.
    func receivedData(_ bytes: ByteBuffer, endStream: Bool, flowControlled: Int) {
        guard !isClosed, let exchange, requestStarted, !requestEnded else { return }
        if endStream { requestEnded = true }
        // The body must be as long as its content-length says (RFC 9113 §8.1.1): what HTTP/1.1 frames by it
        // must not run into what follows.
        if let left = requestBodyLeft {
            let now = left - bytes.readableBytes
            guard now >= 0, now == 0 || !endStream else { return refuse() }
            requestBodyLeft = now
        }
        if requestChunked {
            var out: ByteBuffer
            if bytes.readableBytes > 0 {
                out = HTTP2Heads.chunk(bytes, allocator: allocator)
                if endStream { out.writeStaticString("0\r\n\r\n") }
            } else {
                out = ByteBuffer(staticString: "0\r\n\r\n")
            }
            if bytes.readableBytes > 0 || endStream { exchange.clientBytes(out) }
        } else if bytes.readableBytes > 0 {
            exchange.clientBytes(bytes)
        }
        if flowControlled > 0 && !requestEnded {
            bytesHeld += flowControlled
            acknowledge()
        }
    }

    /// Hands received bytes back to the client once half a window waits and the exchange reads; otherwise
    /// `resumeReading` does when it does.
    private func acknowledge() {
        guard bytesHeld >= HTTP2Server.streamWindow / 2, !isClosed, let exchange else { return }
        if exchange.shouldHoldReads {
            exchange.readHeld = true
            return
        }
        connection?.writeWindowUpdate(bytesHeld, on: id)
        bytesHeld = 0
    }

    /// The exchange reads again (its upstream took the body).
    func resumeReading() {
        guard !isClosed, !requestEnded, bytesHeld > 0 else { return }
        connection?.writeWindowUpdate(bytesHeld, on: id)
        bytesHeld = 0
        flush()
    }

    /// The request head: pseudo-fields to the request line and Host, the rest as fields. No `connection: close`:
    /// the exchange ends the stream after one response by itself (`DownstreamHandler.stream`), and its response
    /// head then needs no rewrite.
    private func startRequest(_ frame: HTTP2Frame.FramePayload.Headers, exchange: DownstreamHandler) {
        let headers = frame.headers
        requestStarted = true
        requestEnded = frame.endStream
        guard let facts = HTTP2FieldRules.check(headers, as: .request), let method = facts.method,
            let path = facts.path, method != "CONNECT"
        else { return refuse() }
        isHead = method == "HEAD"
        requestBodyLeft = facts.contentLength
        if frame.endStream && (facts.contentLength ?? 0) != 0 { return refuse() }
        grpc = GRPCCall(facts)
        requestChunked = !frame.endStream && !facts.hasContentLength
        var out = allocator.buffer(capacity: 256)
        out.writeString(method)
        out.writeStaticString(" ")
        out.writeString(path)
        out.writeStaticString(" HTTP/1.1\r\n")
        if let authority = facts.authority ?? facts.host {
            out.writeStaticString("host: ")
            out.writeString(authority)
            out.writeStaticString("\r\n")
        }
        HTTP2Heads.writeFields(headers, into: &out)
        if requestChunked { out.writeStaticString("transfer-encoding: chunked\r\n") }
        out.writeStaticString("\r\n")
        exchange.grpcCall = grpc
        exchange.streamRequest = StreamRequestHead(client: headers, facts: facts)
        exchange.clientBytes(out)
    }

    /// A malformed request (RFC 9113 §8.1.1: `HTTP2FieldRules`), or one HTTP/1.1 could not carry faithfully: the
    /// stream is reset with PROTOCOL_ERROR.
    private func refuse() {
        responseComplete = true
        end(with: .rstStream(.protocolError))
    }

    // MARK: response: HTTP/1.1 bytes in, frames out

    /// The exchange's next write starts with the final response head `head`, which it parsed and passes on
    /// unchanged; `fields`: the same head as HTTP/2 fields, when its upstream is an HTTP/2 stream too. So the head
    /// is not parsed again here, nor its fields made into Strings again.
    func headAhead(_ head: HTTPHead, fields: HPACKHeaders?) {
        announced = (head, fields)
    }

    /// Response bytes from the exchange.
    func write(_ input: ByteBuffer) {
        var bytes = input
        let announced = self.announced
        self.announced = nil
        if responseComplete || isClosed || bytes.readableBytes == 0 { return }
        if body == nil, headBytes == nil, let announced, bytes.readableBytes >= announced.head.length {
            var headers: HPACKHeaders
            if let fields = announced.fields {
                headers = fields
            } else {
                headers = HPACKHeaders()
                headers.add(name: ":status", value: String(announced.head.status))
                bytes.withUnsafeReadableBytes { HTTP2Heads.fields(of: announced.head, in: $0, into: &headers) }
            }
            beginResponse(announced.head, headers: headers)
            bytes.moveReaderIndex(forwardBy: announced.head.length)
        } else if body == nil {
            if var held = headBytes {
                held.writeBuffer(&bytes)
                bytes = held
                headBytes = nil
            }
            guard readHead(&bytes) else { return }
        }
        forwardBody(&bytes)
    }

    /// Parses the response head(s) at the start of `bytes`; interim ones go out at once. True once the final head
    /// was handled and `bytes` holds what follows it.
    private func readHead(_ bytes: inout ByteBuffer) -> Bool {
        while true {
            let outcome = bytes.withUnsafeReadableBytes { responseParser.parse($0, into: &response) }
            switch outcome {
            case .incomplete:
                headBytes = bytes
                return false
            case .failure:
                // The exchange checked this head already; a failure here is a bug, and the stream must not look whole.
                reset()
                return false
            case .complete:
                break
            }
            if response.status >= 200 {
                var headers = HPACKHeaders()
                headers.add(name: ":status", value: String(response.status))
                bytes.withUnsafeReadableBytes { HTTP2Heads.fields(of: response, in: $0, into: &headers) }
                beginResponse(response, headers: headers)
                bytes.moveReaderIndex(forwardBy: response.length)
                return true
            }
            if response.status != 101 {
                var headers = HPACKHeaders()
                headers.add(name: ":status", value: String(response.status))
                write(.headers(.init(headers: headers)))
            }
            bytes.moveReaderIndex(forwardBy: response.length)
            responseParser.reset()
            if bytes.readableBytes == 0 { return false }
        }
    }

    /// The final head (`response`, its fields `headers`, `:status` first): HEADERS now, or held as the ending when
    /// it is the whole response.
    private func beginResponse(_ response: HTTPHead, headers: HPACKHeaders) {
        let reader = HTTP1BodyReader(response.responseFraming(toHead: isHead))
        body = reader
        if grpc != nil, let reason = headers.first(name: "x-mesh-reason") {
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
            write(.headers(.init(headers: headers)))
        }
        if reader.isDone { responseComplete = true }
    }

    private func forwardBody(_ bytes: inout ByteBuffer) {
        guard var reader = body, !reader.isDone, bytes.readableBytes > 0 else { return }
        let piece: HTTP1BodyReader.Piece
        do {
            // Trailers from an HTTP/2 upstream arrive as fields too (the exchange passes body bytes on as framed).
            piece = try reader.read(&bytes, allocator: allocator, trailers: exchange?.upstream?.stream?.trailersInPassing)
        } catch {
            reset()
            return
        }
        body = reader
        let payload = dropBody ? nil : piece.payload
        guard piece.done else {
            if let payload { sendData(payload) }
            return
        }
        responseComplete = true
        if dropBody { return }
        if let trailers = piece.trailers {
            if let payload { sendData(payload) }
            ending = .headers(.init(headers: trailers, endStream: true))
        } else {
            if let payload { sendWindow.wrote(payload.readableBytes) }
            ending = .data(payload ?? ByteBuffer())
        }
    }

    private func sendData(_ payload: ByteBuffer) {
        sendWindow.wrote(payload.readableBytes)
        connection?.writeData(payload, on: id)
        writabilityMayHaveChanged()
    }

    // MARK: flow control of the response

    /// The client's window for this stream grew (WINDOW_UPDATE, or a new SETTINGS_INITIAL_WINDOW_SIZE).
    func windowOpened(by increment: Int) {
        sendWindow.opened(by: increment)
        writabilityMayHaveChanged()
    }

    /// Tells the exchange when the stream's writability changed (`StreamSendWindow`).
    func writabilityMayHaveChanged() {
        guard sendWindow.update(connectionWritable: connection?.isWritable ?? false) else { return }
        let now = sendWindow.isWritable
        exchange?.clientWritabilityChanged(now)
    }

    // MARK: ending

    /// The exchange is done with the stream: the held ending goes out (the stream then closes once the request
    /// ended too; a request still arriving is told to stop, RST_STREAM NO_ERROR, RFC 9113 §8.1); a response not
    /// complete resets the stream.
    func finish() {
        guard !isClosed else { return }
        if !responseComplete, body?.isUntilClose == true {
            // A body delimited by the upstream's close: the close is its end.
            responseComplete = true
            ending = .data(ByteBuffer())
        }
        guard responseComplete, let ending else { return reset() }
        self.ending = nil
        if requestEnded {
            // Both sides ended: the stream closes by itself, cleanly (the codec reports it: `closed`).
            send(ending)
            flush()
            return
        }
        send(ending)
        end(with: .rstStream(.noError))
    }

    /// The frame that ends the stream: the final HEADERS (a whole response, or the trailers), or the last DATA, kept
    /// as its bytes (nio-http2's DATA payload is a box of its own).
    private enum Ending {
        case headers(HTTP2Frame.FramePayload.Headers)
        case data(ByteBuffer)
    }

    private func send(_ ending: Ending) {
        switch ending {
        case .headers(let headers): write(.headers(headers))
        case .data(let bytes): connection?.writeData(bytes, endStream: true, on: id)
        }
    }

    /// Resets the stream (RST_STREAM CANCEL): what was sent must not look complete.
    func reset() {
        guard !isClosed else { return }
        responseComplete = true
        end(with: .rstStream(.cancel))
    }

    private func end(with reset: HTTP2Frame.FramePayload) {
        write(reset)
        flush()
        connection?.streamReset(id)
    }
}
