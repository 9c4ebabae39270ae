import NIOCore
import NIOHPACK
import NIOHTTP2

/// One HTTP/2 stream to an endpoint, seen by the exchange through its `UpstreamHandler` as an HTTP/1.1 connection
/// carrying one exchange: the request bytes the exchange writes (its head already rewritten for forwarding, its body
/// framed as the client framed it) become HEADERS, DATA and trailers; the response's HEADERS, DATA and trailers
/// become an HTTP/1.1 response, chunked so that trailers (gRPC's status) pass. Nothing else of the exchange changes:
/// the pooled HTTP/1.1 connection and the pooled HTTP/2 stream are the same thing to it. No channel of its own: its
/// frames come from and go to its connection (`HTTP2UpstreamConnection`).
///
/// Flow control both ways: the stream's receive window is handed back only while the exchange's client takes the
/// bytes (so a slow client holds the endpoint, not the proxy's memory), and the exchange is told the stream is not
/// writable once it wrote more than the endpoint's window allows, so a fast uploader is held too.
///
/// It also counts gRPC responses by `grpc-status` for the endpoint (headers of a Trailers-Only response, or
/// trailers), for HTTP 2xx answers only: a 5xx already counts as a failure.
final class UpstreamStreamBridge {
    let id: HTTP2StreamID
    private weak var connection: HTTP2UpstreamConnection?
    /// What the exchange holds; it owns this bridge.
    private weak var handler: UpstreamHandler?
    private let endpoint: EndpointState
    private let allocator: ByteBufferAllocator
    /// Listed among the connection's streams that received frames in the current read.
    var inRead = false

    // Request side.
    private var parser = HTTPHeadParser(kind: .request)
    private var head = HTTPHead()
    private var headBytes: ByteBuffer?
    private var body: HTTP1BodyReader?
    private var isHeadRequest = false
    /// DATA bytes written against the endpoint's window.
    private var sendWindow: StreamSendWindow

    // Response side.
    private var finalStatus = 0
    private var chunkedResponse = false
    /// END_STREAM went out (the request is whole) and came in (so did the response): the stream is done.
    private var requestEnded = false
    private var responseEnded = false
    /// The stream was reset by us or closed by the connection.
    private var isClosed = false
    /// Received bytes not yet handed back in a WINDOW_UPDATE.
    private var bytesHeld = 0
    /// While the final response head, or the trailers, are handed to the exchange as HTTP/1.1 bytes: the same fields
    /// as HTTP/2 fields, for an HTTP/2 client's stream when the exchange passes those bytes on unchanged
    /// (`DownstreamStreamBridge`), so they are not parsed back there. Set only for that one synchronous call.
    private(set) var headInPassing: HPACKHeaders?
    private(set) var trailersInPassing: HPACKHeaders?

    init(id: HTTP2StreamID, connection: HTTP2UpstreamConnection, handler: UpstreamHandler, endpoint: EndpointState) {
        self.id = id
        self.connection = connection
        self.handler = handler
        self.endpoint = endpoint
        allocator = connection.allocator
        sendWindow = StreamSendWindow(initial: connection.peerInitialWindow)
    }

    private func write(_ payload: HTTP2Frame.FramePayload) {
        connection?.write(payload, on: id)
    }

    func flush() { connection?.flush() }

    /// The exchange let go of the stream: a stream not done both ways is reset (RST_STREAM CANCEL).
    func reset(code: HTTP2ErrorCode = .cancel) {
        guard !isClosed, !(requestEnded && responseEnded) else { return }
        isClosed = true
        guard body != nil else {
            // No HEADERS went out: the stream never opened, and its ID is simply skipped.
            connection?.forget(id)
            return
        }
        write(.rstStream(code))
        flush()
    }

    /// The stream ended (both ways, reset by either side, or its connection closed).
    func closed() {
        isClosed = true
        handler?.streamClosed()
    }

    // MARK: request: HTTP/1.1 bytes in, frames out

    /// Request bytes from the exchange.
    func send(_ input: ByteBuffer) {
        var bytes = input
        if bytes.readableBytes == 0 || isClosed { return }
        if body == nil, headBytes == nil, let owner = handler?.owner, let head = owner.forwardedStreamHead(startOf: bytes) {
            // An HTTP/2 client's head, forwarded verbatim plus the exchange's own lines: its fields, not a parse.
            sendHead(head.fields, framing: head.framing)
            bytes.moveReaderIndex(forwardBy: head.length)
        } else if body == nil {
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
                fail()
                return
            case .complete:
                sendHead(bytes)
                bytes.moveReaderIndex(forwardBy: head.length)
            }
        }
        sendBody(&bytes)
    }

    private func sendHead(_ bytes: ByteBuffer) {
        let framing = head.requestFraming
        var headers = HPACKHeaders()
        bytes.withUnsafeReadableBytes { b in
            func text(_ range: Range<Int>) -> String { String(decoding: UnsafeRawBufferPointer(rebasing: b[range]), as: UTF8.self) }
            let method = text(0..<head.methodEnd)
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
        sendHead(headers, framing: framing)
    }

    /// HEADERS for the request whose body is framed as `framing`.
    private func sendHead(_ fields: HPACKHeaders, framing: HTTPHead.BodyFraming) {
        let reader = HTTP1BodyReader(framing)
        body = reader
        var headers = fields
        isHeadRequest = headers.first(name: ":method") == "HEAD"
        if headers.first(name: "content-type")?.hasPrefix("application/grpc") == true {
            // gRPC servers require it (the exchange dropped the client's, TE being hop-by-hop in HTTP/1.1).
            headers.add(name: "te", value: "trailers")
        }
        requestEnded = reader.isDone
        write(.headers(.init(headers: headers, endStream: reader.isDone)))
    }

    private func sendBody(_ bytes: inout ByteBuffer) {
        guard var reader = body, !reader.isDone, bytes.readableBytes > 0 else { return }
        let piece: HTTP1BodyReader.Piece
        do {
            piece = try reader.read(&bytes, allocator: allocator)
        } catch {
            fail()
            return
        }
        body = reader
        requestEnded = piece.done
        if let payload = piece.payload { sendWindow.wrote(payload.readableBytes) }
        if !piece.done {
            if let payload = piece.payload { connection?.writeData(payload, on: id) }
        } else if let trailers = piece.trailers {
            if let payload = piece.payload { connection?.writeData(payload, on: id) }
            write(.headers(.init(headers: trailers, endStream: true)))
        } else {
            connection?.writeData(piece.payload ?? ByteBuffer(), endStream: true, on: id)
        }
        writabilityMayHaveChanged()
    }

    /// The endpoint's window for this stream grew (WINDOW_UPDATE, or a new SETTINGS_INITIAL_WINDOW_SIZE).
    func windowOpened(by increment: Int) {
        sendWindow.opened(by: increment)
        writabilityMayHaveChanged()
    }

    /// Tells the exchange when the stream's writability changed (`StreamSendWindow`).
    func writabilityMayHaveChanged() {
        guard sendWindow.update(connectionWritable: connection?.isWritable ?? false) else { return }
        let now = sendWindow.isWritable
        handler?.streamWritabilityChanged(now)
    }

    /// Bytes the exchange cannot frame (a bug upstream of here), or a malformed response (`HTTP2FieldRules`; reset
    /// with PROTOCOL_ERROR, RFC 9113 §8.1.1): the stream is reset and the exchange sees it end.
    private func fail(malformed: Bool = false) {
        reset(code: malformed ? .protocolError : .cancel)
        closed()
    }

    // MARK: response: frames in, HTTP/1.1 bytes on

    /// A HEADERS frame of the response; `flowControlled`: what it took of the stream's window (none).
    func received(_ payload: HTTP2Frame.FramePayload, flowControlled: Int) {
        if isClosed { return }
        switch payload {
        case .headers(let frame):
            if frame.endStream { responseEnded = true }
            if finalStatus == 0 {
                guard let facts = HTTP2FieldRules.check(frame.headers, as: .response),
                    let out = responseHead(frame, facts: facts, allocator: allocator)
                else { return fail(malformed: true) }
                pass(out)
                headInPassing = nil
            } else if chunkedResponse {
                // Trailers.
                guard let facts = HTTP2FieldRules.check(frame.headers, as: .trailers) else { return fail(malformed: true) }
                countGRPCStatus(facts)
                var kept: HPACKHeaders? = HPACKHeaders()
                let last = HTTP2Heads.lastChunk(trailers: frame.headers, keeping: &kept, allocator: allocator)
                chunkedResponse = false
                trailersInPassing = kept
                pass(last)
                trailersInPassing = nil
            }
        default:
            break
        }
    }

    /// A DATA frame of the response; `flowControlled`: what it took of the stream's window.
    func receivedData(_ bytes: ByteBuffer, endStream: Bool, flowControlled: Int) {
        if isClosed { return }
        if endStream { responseEnded = true }
        if chunkedResponse {
            var out = bytes.readableBytes > 0 ? HTTP2Heads.chunk(bytes, allocator: allocator) : allocator.buffer(capacity: 5)
            if endStream {
                out.writeStaticString("0\r\n\r\n")
                chunkedResponse = false
            }
            if out.readableBytes > 0 { pass(out) }
        }
        if flowControlled > 0 && !isClosed {
            bytesHeld += flowControlled
            acknowledge()
        }
    }

    private func pass(_ bytes: ByteBuffer) {
        guard let handler, let owner = handler.owner else { return }
        owner.upstreamRead(bytes, from: handler)
    }

    /// The end of the connection's read: the exchange flushes what it wrote to its client.
    func readComplete() {
        guard let handler, let owner = handler.owner else { return }
        owner.upstreamReadComplete()
    }

    /// Hands received bytes back to the endpoint (WINDOW_UPDATE) once half a window waits and the exchange's client
    /// takes bytes; otherwise `resumeReading` does when it does.
    private func acknowledge() {
        guard !responseEnded, bytesHeld >= HTTP2Server.streamWindow / 2 else { return }
        if let owner = handler?.owner, !owner.canTakeResponseBytes { return }
        connection?.writeWindowUpdate(bytesHeld, on: id)
        bytesHeld = 0
    }

    /// The exchange's client drained its buffer.
    func resumeReading() {
        guard !isClosed, bytesHeld > 0 else { return }
        acknowledge()
        flush()
    }

    /// An interim or final response head as HTTP/1.1; nil when it cannot be one.
    private func responseHead(
        _ frame: HTTP2Frame.FramePayload.Headers, facts: HTTP2HeadFacts, allocator: ByteBufferAllocator
    ) -> ByteBuffer? {
        guard let statusText = facts.status, let status = Int(statusText), status >= 100, status <= 999 else {
            return nil
        }
        var out = allocator.buffer(capacity: 256)
        out.writeStaticString("HTTP/1.1 ")
        out.writeString(statusText)
        out.writeStaticString(" ")
        out.writeString(HeadWriter.reasonPhrase(status))
        out.writeStaticString("\r\n")
        let whole = frame.endStream
        let keepLength = whole && (isHeadRequest || status == 204 || status == 304)
        var kept: HPACKHeaders? = nil
        if status >= 200 {
            kept = HPACKHeaders()
            kept?.add(name: ":status", value: statusText)
        }
        HTTP2Heads.writeFields(frame.headers, into: &out, keeping: &kept, skipping: { $0 == "content-length" && !keepLength })
        headInPassing = kept
        if status < 200 {
            out.writeStaticString("\r\n")
            return out
        }
        finalStatus = status
        if whole {
            if !keepLength { out.writeStaticString("content-length: 0\r\n") }
            countGRPCStatus(facts)
        } else if isHeadRequest || status == 204 || status == 304 {
            // No body by definition; a DATA frame would be a protocol error the exchange need not see.
        } else {
            chunkedResponse = true
            out.writeStaticString("transfer-encoding: chunked\r\n")
        }
        out.writeStaticString("\r\n")
        return out
    }

    private func countGRPCStatus(_ facts: HTTP2HeadFacts) {
        guard finalStatus >= 200 && finalStatus < 300, let text = facts.grpcStatus,
            let status = GRPCStatus.parse(Substring(text))
        else { return }
        endpoint.recordGRPC(status: status)
    }
}
