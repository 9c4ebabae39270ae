import NIOCore
import Prometheus
import SidecarConfig

extension DownstreamHandler {
    /// Bytes from the upstream: parse the response head (interim ones are passed on), decide on a retry, then
    /// forward the head and stream the body exactly as framed.
    func upstreamRead(_ input: ByteBuffer, from connection: UpstreamHandler) {
        guard connection === upstream, let context else { return }
        var buffer = input
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
                responseStarted = true
                if let interim = buffer.readSlice(length: response.length) { context.write(wrapOutboundOut(interim), promise: nil) }
                if buffer.readableBytes == 0 {
                    context.flush()
                    return
                }
            }
            if shouldRetry(status: response.status) {
                tryFailed(.retriableStatus(response.status))
                return
            }
            beginResponse(&buffer, context: context)
        }
        guard var framer = responseFramer else { return }
        let consumed: Int
        do {
            consumed = try buffer.withUnsafeReadableBytes { try framer.consume($0) }
        } catch {
            // The upstream's body is malformed mid-way: the client must see a broken connection, not an end.
            abandonExchange()
            closeNow()
            return
        }
        responseFramer = framer
        if consumed > 0, let slice = buffer.readSlice(length: consumed) { context.write(wrapOutboundOut(slice), promise: nil) }
        if framer.isDone {
            if buffer.readableBytes > 0 { upstreamReusable = false }
            finishExchange()
        }
    }

    /// Writes the final response head and sets up body framing (RFC 9112 §6.3).
    private func beginResponse(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) {
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
        if HeadWriter.responseNeedsRewrite(response, request: request, keepAlive: keepAlive) {
            let head = buffer.withUnsafeReadableBytes { bytes in
                HeadWriter.responseHead(
                    bytes, head: response, request: request, keepAlive: keepAlive, allocator: context.channel.allocator)
            }
            context.write(wrapOutboundOut(head), promise: nil)
            buffer.moveReaderIndex(forwardBy: response.length)
        } else if let head = buffer.readSlice(length: response.length) {
            context.write(wrapOutboundOut(head), promise: nil)
        }
        responseStarted = true
        responseFramer = BodyFramer(framing)
        endpoint?.metrics.record(status: response.status)
        if let endpoint, let service { OutlierTracker.record(status: response.status, endpoint: endpoint, service: service) }
    }

    /// The response ended: return the connection to its pool (or close it) and get ready for the next request.
    func finishExchange() {
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
        if let endpoint {
            endpoint.inFlight -= 1
            endpoint.observeLatency(nanos: now &- tryStartedAt, now: now)
            self.endpoint = nil
        }
        service?.metrics.latency.recordNanoseconds(Int64(now &- startedAt))
        service = nil
        retained = nil
        responseFramer = nil
        if !requestComplete || !keepAliveAfter {
            close()
            return
        }
        context.flush()
        phase = .idle
        idleSince = now
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
