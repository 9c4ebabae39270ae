import NIOCore
import Prometheus
import SidecarConfig
import TrafficPolicy

extension DownstreamHandler {
    /// Moves the connection forward with the bytes in `pending`: parse a head when idle, stream body when sending.
    func process() {
        while !closing {
            if machine.isBusy {
                if machine.isConnected && !requestFramer.isDone { forwardRequestBody() }
                return
            }
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
        }
    }

    /// A head is parsed: route it, prepare the upstream head, and start the first try.
    private func beginRequest() {
        guard var buffer = pending else { return }
        let now = LoopContext.now()
        startedAt = now
        let routes = loop.routes
        if cachedRoutes !== routes {
            cachedRoutes = routes
            plan = routes.plan(forListener: listenerName)
        }
        let plan = self.plan
        let decision: LoopContext.RouteDecision
        if let service = plan.fixedService {
            decision = .service(service, retries: service, root: service)
        } else if case .degraded(let detail) = plan.route {
            decision = .degraded(detail)
        } else {
            decision = buffer.withUnsafeReadableBytes { loop.route(listener: listenerName, bytes: $0, head: request) }
        }
        let fault = plan.appliesFaults ? faultDecision(decision, routes: routes, head: buffer) : .none
        var head = upstreamHead ?? allocator.buffer(capacity: 256)
        upstreamHead = nil  // one reference only, so `clear` below reuses the storage
        // An HTTP/1.0 request without Host goes up as HTTP/1.1 naming the service it was routed to.
        var hostForHTTP10 = ""
        if !request.isHTTP11, case .service(let service, _, _, _) = decision { hostForHTTP10 = service.name }
        buffer.withUnsafeReadableBytes { bytes in
            request.forwardsUpgrade = upgradeAsked(bytes)
            writeUpstreamHead(bytes, service: decision.service, hostForHTTP10: hostForHTTP10, into: &head)
        }
        upstreamHead = head
        // After the head is written: that starts the request's access-log record, so a refusal is logged too.
        if let rules = plan.authorization, denyUnauthorized(decision, rules: rules, head: buffer) { return }
        // An HTTP/2 client's head, to tell once the upstream head is final whether it went on verbatim.
        let streamClientHead = stream != nil ? buffer.getSlice(at: buffer.readerIndex, length: request.length - 2) : nil
        buffer.moveReaderIndex(forwardBy: request.length)
        // An empty buffer is let go, so NIO can reuse its receive buffer instead of allocating another.
        pending = buffer.readableBytes > 0 ? buffer : nil
        headStartedAt = now
        if let length = request.contentLength {
            requestFramer = BodyFramer(.contentLength(length))
        } else {
            requestFramer = BodyFramer(request.chunked ? .chunked : .none)
        }
        keepAliveAfter = request.keepAlive && !loop.draining
        let service: ServiceState, retries: ServiceState, ruleOptions: SplitRules.Options?
        switch consume decision {  // moved out: a copy of the payload went through the runtime's tuple value witnesses
        case .service(let routed, let policyHolder, _, let options):
            service = routed
            retries = policyHolder
            ruleOptions = options
        case .noRoute:
            logAccess(status: 404, reason: "no-route")
            respondLocally(status: 404, reason: "no-route", keepAlive: false)
            return
        case .degraded(let detail):
            // A route the configuration could not fully give (see `SidecarConfiguration.degradedRoutes`).
            logAccess(status: 503, reason: "degraded")
            respondLocally(status: 503, reason: "degraded", detail: detail, keepAlive: keepAliveAfter)
            return
        }
        routeResponseEdits = nil
        if let filters = ruleOptions?.filters, applyRouteFilters(filters) { return }
        if let streamClientHead { noteVerbatimHead(streamClientHead) }
        self.service = service
        self.retries = retries
        inExchange = true
        // Nothing of this request's response has reached the client. The flag still tells of the previous exchange
        // on this connection until a pooled connection is handed over (`upstreamReady`); a try that fails before
        // that (refused connect, timeout while waiting) must not read it as "bytes sent".
        responseStarted = false
        if let ruleOptions, let mirror = ruleOptions.mirror { mirrorRequest(to: mirror, percentage: ruleOptions.mirrorPercentage) }
        let step = startExchange(routes: routes, plan: plan, fault: fault, options: ruleOptions, now: now)
        if machine.isKeepingBody {
            retained = allocator.buffer(capacity: min(request.contentLength ?? 4096, retries.retryPolicy.maxReplayableBodyBytes))
        }
        perform(step, now: now)
    }

    /// The pool has a connection for this try: send the head, any retained body, and stream the rest.
    func upstreamReady(_ connection: UpstreamHandler) {
        guard !closing, hasClient, let endpoint, connection.endpoint === endpoint, machine.connected() else {
            // The client left (or the try ended) meanwhile; the connection is still good for someone else.
            connection.endpoint?.release(connection)
            return
        }
        upstream = connection
        connection.owner = self
        connection.exchanges += 1
        if machine.isTunneling {
            openTunnel(nil)
            return
        }
        upstreamReusable = true
        responseFramer = nil
        responseCumulation = nil
        responseStarted = false
        heldResponse = nil
        rawHeadLength = 0
        dechunkResponse = false
        responseParser.reset()
        let hasRetained = (retained?.readableBytes ?? 0) > 0
        let requestComplete = requestFramer.isDone
        if requestComplete && !hasRetained, let upstreamHead {
            connection.writeAndFlush(upstreamHead)
        } else {
            if let upstreamHead { connection.write(upstreamHead) }
            if let retained, hasRetained { connection.write(retained) }
        }
        if requestComplete {
            if hasRetained { connection.flush() }
            if inputClosed {
                upstreamReusable = false
                connection.shutdownOutput()
            }
        } else {
            forwardRequestBody()
        }
        resumeReadsIfHeld()
    }

    /// The pool could not provide a connection.
    func upstreamFailed(_ failure: UpstreamFailure) {
        switch failure {
        case .connectFailed: perform(upstreamFailure(.connectFailure))
        case .poolOverflow: perform(machine.poolOverflow())
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
                perform(machine.clientGone())
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
                if mirrorCapture != nil { captureMirrorBody(slice) }
                if machine.bodySent(bytes: consumed) {
                    var slice = slice
                    retained?.writeBuffer(&slice)
                } else {
                    retained = nil
                }
            }
            pending = buffer.readableBytes > 0 ? buffer : nil
        }
        upstream.flush()
        if requestFramer.isDone && inputClosed {
            upstreamReusable = false
            upstream.shutdownOutput()
        }
    }
}
