import NIOCore
import Prometheus
import SidecarConfig
import TrafficPolicy

extension DownstreamHandler {
    /// Moves the connection forward with the bytes in `pending`: parse a head when idle, stream body when sending.
    func process() {
        while true {
            switch phase {
            case .idle:
                guard var buffer = pending, buffer.readableBytes > 0 else {
                    if inputClosed { close() }
                    return
                }
                if buffer.readableBytesView.first == 0x0D {
                    // An empty line before a request line (some clients send CRLF after a body) is ignored, as
                    // RFC 9112 §2.2 asks; one byte compare per request otherwise.
                    guard buffer.readableBytes >= 2 else { return }
                    if buffer.getInteger(at: buffer.readerIndex &+ 1, as: UInt8.self) == 0x0A {
                        buffer.moveReaderIndex(forwardBy: 2)
                        pending = buffer.readableBytes > 0 ? buffer : nil
                        continue
                    }
                }
                let outcome = buffer.withUnsafeReadableBytes { requestParser.parse($0, into: &request) }
                switch outcome {
                case .incomplete:
                    return
                case .failure(let error):
                    respondLocally(status: error.status, reason: error.reason, keepAlive: false)
                    return
                case .complete:
                    beginRequest()
                }
            case .streaming:
                forwardRequestBody()
                return
            case .waitingUpstream, .awaitingResponse, .closing:
                return
            }
        }
    }

    /// A head is parsed: route it, prepare the upstream head, and start the first try.
    private func beginRequest() {
        guard var buffer = pending, let context else { return }
        let now = LoopContext.now()
        startedAt = now
        let routes = loop.routes
        if cachedRoutes !== routes {
            cachedRoutes = routes
            cachedRoute = routes.route(forListener: listenerName)
        }
        let decision: LoopContext.RouteDecision
        if case .fixed(let service) = cachedRoute {
            decision = .service(service)
        } else {
            decision = buffer.withUnsafeReadableBytes { loop.route(listener: listenerName, bytes: $0, head: request) }
        }
        var head = upstreamHead ?? allocator.buffer(capacity: 256)
        upstreamHead = nil  // one reference only, so `clear` below reuses the storage
        // An HTTP/1.0 request without Host goes up as HTTP/1.1 naming the service it was routed to.
        var hostForHTTP10 = ""
        if !request.isHTTP11, case .service(let service) = decision { hostForHTTP10 = service.name }
        buffer.withUnsafeReadableBytes { bytes in
            writeUpstreamHead(bytes, service: decision.service, hostForHTTP10: hostForHTTP10, into: &head)
        }
        upstreamHead = head
        buffer.moveReaderIndex(forwardBy: request.length)
        // An empty buffer is let go, so NIO can reuse its receive buffer instead of allocating another.
        pending = buffer.readableBytes > 0 ? buffer : nil
        headStartedAt = now
        if let length = request.contentLength {
            requestFramer = BodyFramer(.contentLength(length))
        } else {
            requestFramer = BodyFramer(request.chunked ? .chunked : .none)
        }
        requestComplete = requestFramer.isDone
        keepAliveAfter = request.keepAlive && !loop.draining
        guard case .service(let service) = decision else {
            logAccess(status: 404, reason: "no-route")
            respondLocally(status: 404, reason: "no-route", keepAlive: false)
            return
        }
        self.service = service
        service.budget.recordRequest(now: now)
        let policy = service.retryPolicy
        let timeout = policy?.timeout.map { UInt64($0.nanoseconds) } ?? loop.routes.requestTimeoutNanos
        deadline = timeout == 0 ? 0 : now &+ timeout
        tries = 0
        freeRetries = 0
        replayable = true
        // Nothing of this request's response has reached the client. The flag still tells of the previous exchange
        // on this connection until a pooled connection is handed over (`upstreamReady`); a try that fails before
        // that (refused connect, timeout while waiting) must not read it as "bytes sent" and close the client
        // instead of retrying or answering 502/503/504.
        responseStarted = false
        // Keep the body for a retry only when a retry could happen and the body is small enough.
        let mayRetry = request.method.isIdempotent || (policy?.retryNonIdempotent ?? false)
        if !requestComplete && mayRetry && (request.contentLength ?? 0) <= Self.maxRetainedBody {
            retained = allocator.buffer(capacity: min(request.contentLength ?? 4096, Self.maxRetainedBody))
        } else {
            retained = nil
            replayable = requestComplete
        }
        if !mayRetry { replayable = false }
        startTry(avoiding: nil, now: now)
    }

    /// Picks an endpoint (another than `avoiding` when possible) and asks its pool for a connection.
    func startTry(avoiding: Int?, now: UInt64 = LoopContext.now()) {
        guard let service else { return }
        tries += 1
        guard let index = service.pick(avoiding: avoiding, now: now, random: &loop.random) else {
            failWithoutResponse(status: 503, reason: "no-healthy-endpoint")
            return
        }
        let endpoint = service.endpoints[index]
        endpointIndex = index
        self.endpoint = endpoint
        telemetry.upstream = endpoint
        endpoint.inFlight += 1
        tryStartedAt = now
        if let perTry = service.retryPolicy?.perTryTimeout {
            tryDeadline = now &+ UInt64(perTry.nanoseconds)
        } else {
            tryDeadline = 0
        }
        phase = .waitingUpstream
        endpoint.acquire(for: self)
    }

    /// The pool has a connection for this try: send the head, any retained body, and stream the rest.
    func upstreamReady(_ connection: UpstreamHandler) {
        guard phase == .waitingUpstream, context != nil, let endpoint, connection.endpoint === endpoint else {
            // The client left (or the try ended) meanwhile; the connection is still good for someone else.
            connection.endpoint?.release(connection)
            return
        }
        upstream = connection
        connection.owner = self
        connection.exchanges += 1
        upstreamReusable = true
        responseFramer = nil
        responseCumulation = nil
        responseStarted = false
        heldResponse = nil
        rawHeadLength = 0
        dechunkResponse = false
        responseParser.reset()
        let hasRetained = (retained?.readableBytes ?? 0) > 0
        if requestComplete && !hasRetained, let upstreamHead {
            connection.writeAndFlush(upstreamHead)
        } else {
            if let upstreamHead { connection.write(upstreamHead) }
            if let retained, hasRetained { connection.write(retained) }
        }
        if requestComplete {
            phase = .awaitingResponse
            if hasRetained { connection.flush() }
            if inputClosed {
                upstreamReusable = false
                connection.shutdownOutput()
            }
        } else {
            phase = .streaming
            forwardRequestBody()
        }
        resumeReadsIfHeld()
    }

    /// The pool could not provide a connection.
    func upstreamFailed(_ failure: UpstreamFailure) {
        guard phase == .waitingUpstream else { return }
        switch failure {
        case .connectFailed: tryFailed(.connectFailure)
        case .poolOverflow:
            reportTry(.cancelled)
            endpoint?.inFlight -= 1
            endpoint = nil
            failWithoutResponse(status: 503, reason: "overflow")
        }
    }

    /// Sends the body bytes at hand, exactly as framed, and notes when the request is complete.
    func forwardRequestBody() {
        guard let upstream else { return }
        if var buffer = pending, buffer.readableBytes > 0 {
            let consumed: Int
            do {
                consumed = try buffer.withUnsafeReadableBytes { try requestFramer.consume($0) }
            } catch let error as HTTPParseError {
                // A malformed chunked body: the upstream must not receive a request that looks complete.
                abandonExchange()
                if responseStarted {
                    close()
                } else {
                    respondLocally(status: 400, reason: error.reason, keepAlive: false)
                }
                return
            } catch {
                return
            }
            if consumed > 0, let slice = buffer.readSlice(length: consumed) {
                upstream.write(slice)
                keepForRetry(slice)
            }
            pending = buffer.readableBytes > 0 ? buffer : nil
        }
        upstream.flush()
        if requestFramer.isDone {
            requestComplete = true
            if phase == .streaming { phase = .awaitingResponse }
            if inputClosed {
                upstreamReusable = false
                upstream.shutdownOutput()
            }
        }
    }

    private func keepForRetry(_ slice: ByteBuffer) {
        guard replayable || retained != nil else { return }
        guard var kept = retained, kept.readableBytes + slice.readableBytes <= Self.maxRetainedBody else {
            retained = nil
            replayable = false
            return
        }
        var slice = slice
        kept.writeBuffer(&slice)
        retained = kept
    }
}
