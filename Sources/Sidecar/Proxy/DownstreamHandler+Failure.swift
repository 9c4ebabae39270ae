import NIOCore
import Prometheus
import SidecarConfig
import TrafficPolicy
import SidecarConfig

extension DownstreamHandler {
    /// How a try ended without a usable response.
    enum TryFailure {
        case connectFailure
        /// Closed before a response head, on a fresh connection.
        case reset
        /// Closed before a response head, on a connection that had served before: the server timed it out.
        case staleConnection
        case protocolError
        case timeout
        case retriableStatus(Int)

        var isGatewayError: Bool {
            switch self {
            case .retriableStatus(let status): status == 502 || status == 503 || status == 504
            default: true
            }
        }
    }

    /// Whether a response with this status should be replaced by a retry (it is then never forwarded).
    func shouldRetry(status: Int) -> Bool {
        guard status >= 500 || status == 429 || status == 409 || status == 408, let policy = service?.retryPolicy
        else { return false }
        guard policy.retryOn.contains(where: { condition in
            switch condition {
            case .serverError: status >= 500
            case .gatewayError: status == 502 || status == 503 || status == 504
            case .retriableStatusCodes: policy.retriableStatusCodes.contains(status)
            case .connectFailure, .reset: false
            }
        }) else { return false }
        return canRetry(countAgainstBudget: false)
    }

    /// Attempts left, a body that can be sent again, no response bytes sent, time left.
    private func canRetry(countAgainstBudget: Bool) -> Bool {
        guard let service, let policy = service.retryPolicy, !responseStarted, replayable || retained != nil else {
            return false
        }
        guard tries < policy.attempts else { return false }
        if deadline != 0 && LoopContext.now() >= deadline { return false }
        if countAgainstBudget {
            guard service.budget.tryWithdrawRetry(now: LoopContext.now()) else {
                service.metrics.budgetExhausted.increment()
                return false
            }
        }
        return true
    }

    private func policyAllows(_ failure: TryFailure) -> Bool {
        guard let policy = service?.retryPolicy else { return false }
        switch failure {
        case .retriableStatus:
            return true  // already checked by shouldRetry
        case .connectFailure:
            return policy.retryOn.contains(.connectFailure) || policy.retryOn.contains(.gatewayError)
        case .reset, .staleConnection:
            return policy.retryOn.contains(.reset) || policy.retryOn.contains(.gatewayError)
        case .protocolError, .timeout:
            return policy.retryOn.contains(.gatewayError) || policy.retryOn.contains(.serverError)
        }
    }

    private func isFreeRetryable(_ failure: TryFailure) -> Bool {
        switch failure {
        case .connectFailure, .staleConnection: true
        case .reset: request.method.isIdempotent
        default: false
        }
    }

    /// A try failed: retry elsewhere when policy, attempts and budget allow, else answer 502/503/504.
    func tryFailed(_ failure: TryFailure) {
        let failed = endpointIndex
        if let upstream {
            self.upstream = nil
            upstream.discard()
        }
        switch failure {
        case .retriableStatus(let status):
            endpoint?.metrics.record(status: status)
            reportTry(.response(status: status))
        case .staleConnection: reportTry(.cancelled)  // not the endpoint's fault
        case .connectFailure: reportTry(.connectFailure)
        case .reset, .protocolError: reportTry(.reset)
        case .timeout: reportTry(.timeout)
        }
        if let endpoint {
            endpoint.inFlight -= 1
            self.endpoint = nil
        }
        tryDeadline = 0
        if responseStarted {
            closeNow()
            return
        }
        // A pooled connection the server had already closed costs the client nothing: a free fresh try. So does a
        // replica that just died (killed, crashed) and stays listed until the operator's next config reaches this
        // proxy: its refused connections mean the request never left, so it goes to another endpoint whatever the
        // retry policy says (Linkerd's rule); a connection it reset before any response byte gets the same free
        // try when the request is idempotent (RFC 9110 §9.2.2). Two at most: a stale connection to the dead replica
        // and then its refused reconnect.
        if freeRetries < 2, replayable || retained != nil, isFreeRetryable(failure) {
            freeRetries += 1
            tries -= 1
            startTry(avoiding: failed)
            return
        }
        if policyAllows(failure), canRetry(countAgainstBudget: true) {
            service?.metrics.retries.increment()
            scheduleRetry(avoiding: failed)
            return
        }
        switch failure {
        case .connectFailure: failWithoutResponse(status: 503, reason: "connect-failure")
        case .reset, .staleConnection: failWithoutResponse(status: 502, reason: "upstream-reset")
        case .protocolError: failWithoutResponse(status: 502, reason: "upstream-protocol-error")
        case .timeout: failWithoutResponse(status: 504, reason: "timeout")
        case .retriableStatus(let status): failWithoutResponse(status: status, reason: "retries-exhausted")
        }
    }

    private func scheduleRetry(avoiding failed: Int?) {
        guard let service, let context else { return }
        phase = .waitingUpstream
        let delay = service.backoff.delay(forRetry: tries, using: &loop.random)
        if delay == 0 {
            startTry(avoiding: failed)
            return
        }
        let box = NIOLoopBound((self, failed), eventLoop: context.eventLoop)
        backoffTask = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay))) {
            let (handler, failed) = box.value
            handler.backoffTask = nil
            guard handler.phase == .waitingUpstream else { return }
            handler.startTry(avoiding: failed)
        }
    }

    /// The overall deadline passed.
    func requestTimedOut() {
        deadline = 0
        if responseStarted {
            abandonExchange()
            closeNow()
            return
        }
        abandonExchange()
        failWithoutResponse(status: 504, reason: "timeout")
    }

    /// Answers the current request with a response of the proxy's own, counted under `reason`.
    func failWithoutResponse(status: Int, reason: String) {
        service?.metrics.ownAnswer(reason)
        // Counted in the request-duration histogram too: a 504 after 15 s is latency a client saw.
        service?.metrics.latency.record(nanos: LoopContext.now() &- startedAt)
        logAccess(status: status, reason: reason)
        abandonExchange()
        // Keep the connection only when the request has been read entirely, so the next one starts clean.
        respondLocally(status: status, reason: reason, keepAlive: keepAliveAfter && requestComplete && pendingBodyDone)
    }

    private var pendingBodyDone: Bool { requestFramer.isDone }

    /// Writes a response of the proxy's own; closes after it unless `keepAlive`.
    func respondLocally(status: Int, reason: String, keepAlive: Bool) {
        guard let context, phase != .closing else { return }
        let keep = keepAlive && requestFramer.isDone
        let buffer = HeadWriter.localResponse(
            status: status, reason: reason, keepAlive: keep, allocator: allocator)
        writer.write(buffer, context: context)
        responseStarted = true
        if keep {
            writer.flush(context: context)
            phase = .idle
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

