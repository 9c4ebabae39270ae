import NIOCore
import Prometheus
import TrafficPolicy

extension DownstreamHandler {
    /// Carries out a step of the exchange state machine: report the try's outcome, then act. `now`, when the caller
    /// has read the clock already (0: read it here if needed).
    func perform(_ step: ExchangeStateMachine.Step, now: UInt64 = 0) {
        var now = now
        if let report = step.report, let service {
            if now == 0 { now = LoopContext.now() }
            if case .response(let status) = report.outcome { service.endpoints[report.endpoint].metrics.record(status: status) }
            service.finished(endpoint: report.endpoint, startedAt: report.startedAt, outcome: report.outcome, now: now)
        }
        if step.budgetRefused { service?.metrics.budgetExhausted.increment() }
        switch step.action {
        case .none, .forwardResponse, .tunnel:
            // The caller forwards the response, or opens the tunnel, with the bytes it holds.
            return
        case .pickEndpoint(let avoiding):
            guard let service else { return }
            if now == 0 { now = LoopContext.now() }
            perform(machine.endpointPicked(service.pick(avoiding: avoiding, now: now, random: &loop.random), now: now), now: now)
        case .connect(let index):
            guard let service else { return }
            let endpoint = service.endpoints[index]
            self.endpoint = endpoint
            telemetry.upstream = endpoint
            endpoint.inFlight += 1
            endpoint.acquire(for: self)
        case .retry(let delay):
            releaseTry()
            service?.metrics.retries.increment()
            if delay == 0 {
                perform(machine.backoffElapsed())
            } else {
                scheduleBackoff(delay)
            }
        case .retryNow:
            releaseTry()
            perform(machine.backoffElapsed())
        case .answer(let status, let reason):
            answer(status: status, reason: reason)
        case .closeClient:
            releaseExchange()
            closeNow()
        case .abandon:
            releaseExchange()
        case .delay(let nanoseconds):
            scheduleFaultDelay(nanoseconds)
        case .rateLimited(let seconds):
            answer(status: 429, reason: "rate-limited", retryAfter: seconds)
        }
    }

    /// The machine's verdict on a failed try (a convenience for the handler's many failure sites).
    func upstreamFailure(_ failure: TryFailure) -> ExchangeStateMachine.Step {
        guard let retries else { return .none }
        return machine.upstreamFailed(failure, now: LoopContext.now(), budget: &retries.budget, random: &loop.random)
    }

    /// Lets go of the current try's connection and endpoint.
    func releaseTry() {
        backoffTask?.cancel()
        backoffTask = nil
        if let upstream {
            self.upstream = nil
            upstream.discard()
        }
        if let endpoint {
            endpoint.cancelWait(self)
            endpoint.inFlight -= 1
            self.endpoint = nil
        }
    }

    /// Lets go of everything the exchange holds, without answering.
    func releaseExchange() {
        releaseTry()
        service = nil
        retries = nil
        retained = nil
        heldResponse = nil
        inExchange = false
    }

    private func scheduleBackoff(_ delay: UInt64) {
        guard hasClient else { return }
        let box = NIOLoopBound(self, eventLoop: loop.eventLoop)
        backoffTask = loop.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay))) {
            let handler = box.value
            handler.backoffTask = nil
            handler.perform(handler.machine.backoffElapsed())
        }
    }

    /// Answers the current request with a response of the proxy's own, counted under `reason`.
    private func answer(status: Int, reason: String, retryAfter: Int? = nil) {
        service?.metrics.ownAnswer(reason)
        if opaque {
            // Nobody to answer in HTTP: an opaque client sees its connection close.
            logAccess(status: 0, reason: reason)
            releaseExchange()
            close()
            return
        }
        // Counted in the request-duration histogram too: a 504 after 15 s is latency a client saw.
        service?.metrics.latency.record(nanos: LoopContext.now() &- startedAt)
        logAccess(status: status, reason: reason)
        releaseExchange()
        // Keep the connection only when the request has been read entirely, so the next one starts clean.
        respondLocally(status: status, reason: reason, retryAfter: retryAfter, keepAlive: keepAliveAfter,
                       grpcStatus: reason == "fault-abort" ? injectedGRPCStatus : nil)
    }

    /// Writes a response of the proxy's own; closes after it unless `keepAlive` and the request was read whole.
    func respondLocally(status: Int, reason: String, detail: String? = nil, retryAfter: Int? = nil, keepAlive: Bool,
                        grpcStatus: Int? = nil) {
        guard hasClient, !closing else { return }
        let keep = keepAlive && requestFramer.isDone
        sendLocally(HeadWriter.localResponse(
            status: status, reason: reason, detail: detail, retryAfter: retryAfter, keepAlive: keep, allocator: allocator,
            grpcStatus: grpcStatus),
            keepAlive: keep)
    }

    /// Writes a whole response of the proxy's own (`keep`: it says keep-alive, and the request was read whole).
    func sendLocally(_ buffer: ByteBuffer, keepAlive keep: Bool) {
        guard hasClient, !closing else { return }
        writeToClient(buffer)
        responseStarted = true
        // An HTTP/2 stream carries one exchange.
        if keep && stream == nil {
            flushClient()
            idleSince = LoopContext.now()
            headStartedAt = idleSince
            requestParser.reset()
            process()
            resumeReadsIfHeld()
        } else {
            close()
        }
    }
}
