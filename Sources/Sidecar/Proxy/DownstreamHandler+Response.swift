import NIOCore
import Prometheus
import SidecarConfig
import TrafficPolicy

extension DownstreamHandler {
    /// Bytes from the upstream: parse the response head (interim ones are passed on), decide on a retry, then
    /// forward the head and stream the body exactly as framed.
    func upstreamRead(_ input: ByteBuffer, from connection: UpstreamHandler) {
        guard connection === upstream, let context else { return }
        responseUnflushed = true
        var buffer = input
        // A rewritten final head, held until the body bytes that came with it are known to be well framed.
        var rewrittenHead: ByteBuffer? = nil
        // Whether this read completed the final head, and whether a 1xx went out before it.
        var headNow = false
        var interimSent = false
        if responseFramer == nil {
            if var cumulation = responseCumulation {
                cumulation.writeBuffer(&buffer)
                buffer = cumulation
                responseCumulation = nil
            }
            while true {
                let outcome = buffer.withUnsafeReadableBytes { responseParser.parse($0, into: &response) }
                switch outcome {
                case .incomplete:
                    responseCumulation = buffer
                    return
                case .failure:
                    tryFailed(.protocolError)
                    return
                case .complete:
                    break
                }
                if response.status >= 200 { break }
                if response.status == 101 {
                    // The proxy removed Upgrade, so a switch of protocols is an answer to something never asked.
                    tryFailed(.protocolError)
                    return
                }
                // 1xx: passed on at once (100-continue lets the client send its body); the final head follows.
                // Never to an HTTP/1.0 client, which does not know them (RFC 9110 §15.2).
                if request.isHTTP11 {
                    responseStarted = true
                    if let interim = buffer.readSlice(length: response.length) { writer.write(interim, context: context) }
                } else {
                    buffer.moveReaderIndex(forwardBy: response.length)
                }
                if buffer.readableBytes == 0 {
                    writer.flush(context: context)
                    return
                }
            }
            if shouldRetry(status: response.status) {
                tryFailed(.retriableStatus(response.status))
                return
            }
            if response.chunked && !request.isHTTP11 && request.method != .head && response.status != 204
                && response.status != 304
            {
                // An HTTP/1.0 client cannot read chunked framing (RFC 9112 §6.1): it gets the payload, delimited
                // by closing the connection.
                dechunkResponse = true
                keepAliveAfter = false
            }
            headNow = true
            interimSent = responseStarted
            rawHeadLength = beginResponse(&buffer, rewritten: &rewrittenHead)
        }
        if dechunkResponse {
            forwardDechunked(&buffer, rewrittenHead: rewrittenHead, context: context)
            return
        }
        guard var framer = responseFramer else { return }
        let consumed: Int
        do {
            let skip = rawHeadLength
            consumed = try buffer.withUnsafeReadableBytes { try framer.consume(UnsafeRawBufferPointer(rebasing: $0[skip...])) }
        } catch {
            responseBodyMalformed(nothingSent: rawHeadLength > 0 || rewrittenHead != nil || heldResponse != nil)
            return
        }
        responseFramer = framer
        var out: ByteBuffer? = nil
        if rawHeadLength > 0 {
            // The head was not rewritten: it goes out in one write with the body bytes that follow it.
            out = buffer.readSlice(length: rawHeadLength + consumed)
            rawHeadLength = 0
        } else if consumed > 0 {
            out = buffer.readSlice(length: consumed)
        }
        // Usually the whole response came in this read and this is one check; a held response is rare.
        if !framer.isDone && (heldResponse != nil || (headNow && mayHoldResponse(interimSent: interimSent))) {
            holdResponse(head: rewrittenHead, out)
            return
        }
        if var held = heldResponse {
            // The held response is complete: it goes out now, in one write.
            heldResponse = nil
            if var out { held.writeBuffer(&out) }
            out = held
            responseStarted = true
        } else if let rewrittenHead {
            writer.write(rewrittenHead, context: context)
        }
        passResponseBytes(out, complete: framer.isDone, leftover: buffer.readableBytes, context: context)
    }

    /// Passes `out` on to the client. Once the framer has seen the whole response (`complete`), the last bytes go out with the
    /// flush in the same pipeline pass and the exchange ends; bytes left after it (`leftover`) mean the upstream
    /// connection cannot be reused.
    @inline(__always)
    func passResponseBytes(_ out: ByteBuffer?, complete: Bool, leftover: Int, context: ChannelHandlerContext) {
        if complete {
            if let out { writer.writeAndFlush(out, context: context) } else { writer.flush(context: context) }
            responseUnflushed = false
            if leftover > 0 { upstreamReusable = false }
            finishExchange(flushed: true)
        } else if let out {
            writer.write(out, context: context)
        }
    }

    /// Whether the response whose head just arrived, incomplete, is held back until complete: nothing of it went
    /// out yet, its request can be sent again (idempotent, body kept), and it is small (Content-Length framed).
    private func mayHoldResponse(interimSent: Bool) -> Bool {
        guard !interimSent, request.method.isIdempotent, replayable || retained != nil,
            let length = response.contentLength, length <= Self.maxHeldResponse - response.length,
            case .contentLength? = responseFramer?.state
        else { return false }
        return true
    }

    /// Keeps `head` (a rewritten one) and `bytes` back instead of sending them; the client has seen nothing yet.
    private func holdResponse(head: ByteBuffer?, _ bytes: ByteBuffer?) {
        var held = heldResponse ?? allocator.buffer(capacity: response.length + (response.contentLength ?? 0))
        if var head { held.writeBuffer(&head) }
        if var bytes { held.writeBuffer(&bytes) }
        heldResponse = held
        responseStarted = false
        responseUnflushed = false
    }

    /// The upstream's body is malformed. When the head was still waiting to go out with these bytes, nothing of the
    /// response reached the client: it gets a 502. Otherwise it must see a broken connection, never an end.
    func responseBodyMalformed(nothingSent: Bool) {
        rawHeadLength = 0
        if nothingSent {
            responseFramer = nil
            heldResponse = nil
            responseStarted = false
            upstreamReusable = false
            failWithoutResponse(status: 502, reason: "upstream-protocol-error")
            return
        }
        abandonExchange()
        closeNow()
    }

    /// Prepares the final response head — rewritten into `rewritten`, or, when it goes out unchanged, left in the
    /// buffer with its length returned — to be written with the body bytes that follow it once they frame well;
    /// sets up body framing (RFC 9112 §6.3).
    private func beginResponse(_ buffer: inout ByteBuffer, rewritten: inout ByteBuffer?) -> Int {
        let framing: HTTPHead.BodyFraming
        if request.method == .head || response.status == 204 || response.status == 304 {
            framing = .none
        } else if response.chunked {
            framing = .chunked
        } else if let length = response.contentLength {
            framing = .contentLength(length)
        } else {
            framing = .untilClose
        }
        if framing == .untilClose || !response.keepAlive { upstreamReusable = false }
        // A body delimited by close can only reach the client delimited by close as well.
        if framing == .untilClose || loop.draining { keepAliveAfter = false }
        let keepAlive = keepAliveAfter && requestComplete
        let rawLength: Int
        if HeadWriter.responseNeedsRewrite(response, request: request, keepAlive: keepAlive) {
            let head = buffer.withUnsafeReadableBytes { bytes in
                HeadWriter.responseHead(
                    bytes, head: response, request: request, keepAlive: keepAlive, allocator: allocator)
            }
            rewritten = head
            buffer.moveReaderIndex(forwardBy: response.length)
            rawLength = 0
        } else {
            // Left in the buffer: written with the first body bytes.
            rawLength = response.length
        }
        responseStarted = true
        // The per-try timeout covers the wait for a response head; a body streams under the overall deadline.
        tryDeadline = 0
        responseFramer = BodyFramer(framing)
        endpoint?.metrics.record(status: response.status)
        reportTry(.response(status: response.status))
        return rawLength
    }

    /// The response ended: return the connection to its pool (or close it) and get ready for the next request.
    func finishExchange(flushed: Bool = false) {
        guard let context else { return }
        let now = LoopContext.now()
        if let upstream {
            self.upstream = nil
            upstream.owner = nil
            if upstreamReusable && requestComplete {
                endpoint?.release(upstream)
            } else {
                upstream.discard()
            }
        }
        reportTry(.cancelled)
        if let endpoint {
            endpoint.inFlight -= 1
            self.endpoint = nil
        }
        service?.metrics.latency.record(nanos: now &- startedAt)
        logAccess(status: response.status, reason: nil)
        service = nil
        retained = nil
        responseFramer = nil
        if !requestComplete || !keepAliveAfter {
            close()
            return
        }
        if !flushed { writer.flush(context: context) }
        phase = .idle
        idleSince = now
        headStartedAt = now
        requestParser.reset()
        process()
        resumeReadsIfHeld()
    }

    /// The upstream connection closed under this exchange.
    func upstreamClosed(_ connection: UpstreamHandler) {
        guard connection === upstream else { return }
        if var framer = responseFramer {
            if case .untilClose = framer.state {
                // The close is the end of this response.
                _ = try? ByteBuffer().withUnsafeReadableBytes { try framer.consume($0) }
                upstream = nil
                keepAliveAfter = false
                upstreamReusable = false
                finishExchange()
            } else if heldResponse != nil {
                // Mid-body, but held back: the client saw nothing, so this is a reset before a response, retried
                // (or answered 502) like one.
                heldResponse = nil
                responseFramer = nil
                upstream = nil
                tryFailed(.reset)
            } else {
                // Mid-body: the client must see the connection end, never a response that looks complete.
                upstream = nil
                abandonExchange()
                closeNow()
            }
            return
        }
        upstream = nil
        tryFailed(connection.exchanges > 1 ? .staleConnection : .reset)
    }

    /// Closes at once, dropping unsent bytes: used when what was sent must not look complete.
    func closeNow() {
        phase = .closing
        context?.close(promise: nil)
    }
}
