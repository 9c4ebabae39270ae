import NIOCore
import Prometheus
import SidecarConfig
import TrafficPolicy

extension DownstreamHandler {
    /// Bytes from the upstream: parse the response head (interim ones are passed on), decide on a retry, then
    /// forward the head and stream the body exactly as framed.
    func upstreamRead(_ input: ByteBuffer, from connection: UpstreamHandler) {
        guard connection === upstream, hasClient, let retries else { return }
        if tunnel != nil {
            tunnelFromUpstream(input)
            return
        }
        responseUnflushed = true
        var buffer = input
        // A rewritten final head, held until the body bytes that came with it are known to be well framed.
        var rewrittenHead: ByteBuffer? = nil
        // Whether this read completed the final head.
        var headNow = false
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
                    perform(upstreamFailure(.protocolError))
                    return
                case .complete:
                    break
                }
                if response.status >= 200 { break }
                if response.status == 101 {
                    // A tunnel when the request asked for the upgrade, a protocol error otherwise (the machine's call).
                    let step = machine.responseHead(status: 101, now: LoopContext.now(), budget: &retries.budget, random: &loop.random)
                    perform(step)
                    if case .tunnel = step.action { openTunnel(buffer) }
                    return
                }
                // 1xx: passed on at once (100-continue lets the client send its body); the final head follows.
                // Never to an HTTP/1.0 client, which does not know them (RFC 9110 §15.2).
                if request.isHTTP11 {
                    responseStarted = true
                    machine.interimForwarded()
                    if let interim = buffer.readSlice(length: response.length) { writeToClient(interim) }
                } else {
                    buffer.moveReaderIndex(forwardBy: response.length)
                }
                if buffer.readableBytes == 0 {
                    flushClient()
                    return
                }
            }
            let now = LoopContext.now()
            let grpcStatus =
                grpcCall != nil && retries.retryPolicy.retriesGRPC
                ? buffer.withUnsafeReadableBytes { GRPCStatus.find(in: $0, head: response) } : nil
            let step = machine.responseHead(
                status: response.status, grpcStatus: grpcStatus, now: now, budget: &retries.budget, random: &loop.random)
            perform(step, now: now)
            guard case .forwardResponse = step.action else { return }
            if response.chunked && !request.isHTTP11 && request.method != .head && response.status != 204
                && response.status != 304
            {
                // An HTTP/1.0 client cannot read chunked framing (RFC 9112 §6.1): it gets the payload, delimited
                // by closing the connection.
                dechunkResponse = true
                keepAliveAfter = false
            }
            headNow = true
            // A refused upgrade: the endpoint's connection is not reused (it may have half-switched); the client's
            // connection goes back to parsing HTTP/1.1, its bytes after the request never having gone up.
            if request.forwardsUpgrade { upstreamReusable = false }
            rawHeadLength = beginResponse(&buffer, rewritten: &rewrittenHead)
        }
        if dechunkResponse {
            forwardDechunked(&buffer, rewrittenHead: rewrittenHead)
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
        let rawHead = rawHeadLength > 0
        if rawHeadLength > 0 {
            // The head was not rewritten: it goes out in one write with the body bytes that follow it.
            out = buffer.readSlice(length: rawHeadLength + consumed)
            rawHeadLength = 0
        } else if consumed > 0 {
            out = buffer.readSlice(length: consumed)
        }
        // Usually the whole response came in this read and this is one check; a held response is rare.
        if !framer.isDone && (heldResponse != nil || (headNow && mayHoldResponse())) {
            holdResponse(head: rewrittenHead, out)
            return
        }
        if var held = heldResponse {
            // The held response is complete: it goes out now, in one write.
            heldResponse = nil
            if var out { held.writeBuffer(&out) }
            out = held
            responseStarted = true
            machine.heldResponseReleased()
        } else if let rewrittenHead {
            writeToClient(rewrittenHead)
        } else if rawHead, let stream {
            // The head goes to an HTTP/2 client as it came: parsed once, here (and as fields from an HTTP/2 upstream).
            stream.headAhead(response, fields: connection.stream?.headInPassing)
        }
        passResponseBytes(out, complete: framer.isDone, leftover: buffer.readableBytes)
    }

    /// Passes `out` on to the client. Once the framer has seen the whole response (`complete`), the last bytes go out with the
    /// flush in the same pipeline pass and the exchange ends; bytes left after it (`leftover`) mean the upstream
    /// connection cannot be reused.
    @inline(__always)
    func passResponseBytes(_ out: ByteBuffer?, complete: Bool, leftover: Int) {
        if complete {
            if let out { writeAndFlushToClient(out) } else { flushClient() }
            responseUnflushed = false
            if leftover > 0 { upstreamReusable = false }
            finishExchange(flushed: true)
        } else if let out {
            writeToClient(out)
        }
    }

    /// Whether the response whose head just arrived, incomplete, is held back until complete: it is small
    /// (Content-Length framed) and the machine agrees (nothing of it went out, the request can be sent again).
    private func mayHoldResponse() -> Bool {
        guard let length = response.contentLength, length <= Self.maxHeldResponse - response.length,
            case .contentLength? = responseFramer?.state
        else { return false }
        return machine.holdResponse()
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
        upstreamReusable = false
        perform(machine.responseMalformed(nothingSent: nothingSent))
    }

    /// Prepares the final response head — rewritten into `rewritten`, or, when it goes out unchanged, left in the
    /// buffer with its length returned — to be written with the body bytes that follow it once they frame well;
    /// sets up body framing (RFC 9112 §6.3).
    private func beginResponse(_ buffer: inout ByteBuffer, rewritten: inout ByteBuffer?) -> Int {
        let framing = response.responseFraming(toHead: request.method == .head)
        if framing == .untilClose || !response.keepAlive { upstreamReusable = false }
        // A body delimited by close can only reach the client delimited by close as well.
        if framing == .untilClose || loop.draining { keepAliveAfter = false }
        let keepAlive = keepAliveAfter && requestFramer.isDone
        let rawLength: Int
        if routeResponseEdits != nil || HeadWriter.responseNeedsRewrite(response, request: request, keepAlive: keepAlive) {
            let head = buffer.withUnsafeReadableBytes { bytes in
                HeadWriter.responseHead(
                    bytes, head: response, request: request, keepAlive: keepAlive, allocator: allocator)
            }
            rewritten = editedResponseHead(head)
            buffer.moveReaderIndex(forwardBy: response.length)
            rawLength = 0
        } else {
            // Left in the buffer: written with the first body bytes.
            rawLength = response.length
        }
        responseStarted = true
        responseFramer = BodyFramer(framing)
        return rawLength
    }

    /// The response ended: return the connection to its pool (or close it) and get ready for the next request.
    func finishExchange(flushed: Bool = false) {
        guard hasClient else { return }
        let now = LoopContext.now()
        machine.responseEnded()
        let requestComplete = requestFramer.isDone
        if let upstream {
            self.upstream = nil
            upstream.owner = nil
            if upstreamReusable && requestComplete {
                endpoint?.release(upstream)
            } else {
                upstream.discard()
            }
        }
        service?.metrics.latency.record(nanos: now &- startedAt)
        logAccess(status: response.status, reason: nil)
        releaseExchange()
        responseFramer = nil
        // An HTTP/2 stream carries one exchange.
        if !requestComplete || !keepAliveAfter || stream != nil {
            close()
            return
        }
        if !flushed { flushClient() }
        idleSince = now
        headStartedAt = now
        requestParser.reset()
        process()
        resumeReadsIfHeld()
    }

    /// The upstream connection closed under this exchange.
    func upstreamClosed(_ connection: UpstreamHandler) {
        guard connection === upstream else { return }
        upstream = nil
        if tunnel != nil {
            endTunnel()
            return
        }
        if var framer = responseFramer {
            if case .untilClose = framer.state {
                // The close is the end of this response.
                _ = try? ByteBuffer().withUnsafeReadableBytes { try framer.consume($0) }
                keepAliveAfter = false
                upstreamReusable = false
                finishExchange()
                return
            }
            // Mid-body: a held response (the client saw nothing) is a reset before a response, retried or answered
            // 502 like one; otherwise the machine cuts the client.
            heldResponse = nil
            responseFramer = nil
            perform(upstreamFailure(.reset))
            return
        }
        perform(upstreamFailure(connection.exchanges > 1 ? .staleConnection : .reset))
    }
}
