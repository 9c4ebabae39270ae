extension ExchangeStateMachine {
    // MARK: failures

    /// The current try failed: no connection, the connection closed or timed out, or the response was not HTTP.
    /// - Returns: a retry (free or by policy), `.answer` with `failure.answer`, or `.closeClient` when the client
    ///   already saw part of the response; `report` carries the try's outcome unless it was reported already.
    public mutating func upstreamFailed<R: RandomNumberGenerator>(
        _ failure: TryFailure, now: UInt64, budget: inout RetryBudget, random: inout R
    ) -> Step {
        switch state {
        case .connecting(let exchange) where exchange.unreported:
            return tryFailed(failure, exchange, now: now, budget: &budget, random: &random)
        case .sending(let exchange), .holding(let exchange):
            return tryFailed(failure, exchange, now: now, budget: &budget, random: &random)
        case .forwarding, .tunneling:
            // Mid-body (or mid-tunnel): the client must see the connection end, never a response that looks
            // complete.
            state = .idle
            return Step(action: .closeClient)
        case .idle, .connecting, .backingOff:
            return .none
        }
    }

    /// The endpoint's pool is full and its queue too: 503 at once, no retry (the service is overloaded).
    public mutating func poolOverflow() -> Step {
        guard case .connecting(let exchange) = state, exchange.unreported else { return .none }
        state = .idle
        return Step(report: cancelledReport(exchange), action: .answer(status: 503, reason: "overflow"))
    }

    /// The backoff is over (or a free retry begins): the next try picks an endpoint.
    public mutating func backoffElapsed() -> Step {
        guard case .backingOff(var exchange) = state else { return .none }
        tries += 1
        let avoiding = exchange.endpoint
        exchange.endpoint = nil
        exchange.upgradeSent = false
        state = .connecting(exchange)
        return Step(action: .pickEndpoint(avoiding: avoiding))
    }

    // MARK: timers and the client

    /// Checks the deadlines at `now` (the handler calls this from its timer).
    /// - Returns: for the overall deadline, `.answer(504, "timeout")` or `.closeClient` once the client saw bytes;
    ///   for the per-try deadline, what `upstreamFailed(.timeout)` returns.
    public mutating func deadlinesChecked<R: RandomNumberGenerator>(
        now: UInt64, budget: inout RetryBudget, random: inout R
    ) -> Step {
        // A tunnel lives as long as its two ends keep it open: request deadlines end at the switch.
        guard let exchange = current, !isTunneling else { return .none }
        if exchange.deadline != 0 && now >= exchange.deadline {
            let report = exchange.unreported ? cancelledReport(exchange) : nil
            let sawBytes: Bool
            if case .forwarding = state { sawBytes = true } else { sawBytes = exchange.clientSawBytes }
            state = .idle
            return Step(report: report, action: sawBytes ? .closeClient : .answer(status: 504, reason: "timeout"))
        }
        if exchange.tryDeadline != 0 && now >= exchange.tryDeadline {
            return upstreamFailed(.timeout, now: now, budget: &budget, random: &random)
        }
        return .none
    }

    /// The client connection closed, or its input ended before the request did: the exchange is dropped.
    /// - Returns: `.abandon` (with a cancelled report for an unfinished try), or `.none` when idle.
    public mutating func clientGone() -> Step {
        guard let exchange = current else { return .none }
        state = .idle
        return Step(report: exchange.unreported ? cancelledReport(exchange) : nil, action: .abandon)
    }

    // MARK: the one retry decision

    /// Ends the try of `exchange` with `failure`: a free retry, a retry by policy and budget, or the answer.
    mutating func tryFailed<R: RandomNumberGenerator>(
        _ failure: TryFailure, _ exchange: Exchange, now: UInt64, budget: inout RetryBudget, random: inout R
    ) -> Step {
        var exchange = exchange
        let report =
            exchange.unreported
            ? Report(endpoint: exchange.endpoint ?? 0, outcome: failure.outcome, startedAt: exchange.tryStartedAt) : nil
        exchange.unreported = false
        exchange.tryDeadline = 0
        if exchange.clientSawBytes {
            state = .idle
            return Step(report: report, action: .closeClient)
        }
        // An upgrade request that went up may have opened the endpoint's side of a tunnel: it is not sent again,
        // except over a pooled connection the server had closed (it never read it; the free retry below).
        if exchange.upgradeSent && failure != .staleConnection {
            state = .idle
            let answer = failure.answer
            return Step(report: report, action: .answer(status: answer.status, reason: answer.reason))
        }
        // A pooled connection the server had already closed costs the client nothing: a free fresh try. So does a
        // replica that just died and stays listed until the next config reaches this proxy: its refused connects
        // mean the request never left (Linkerd's rule); a reset before any response byte gets the same free try
        // when the request is idempotent (RFC 9110 §9.2.2). Two at most: a stale connection to the dead replica,
        // then its refused reconnect.
        if exchange.freeRetries < 2, exchange.canReplay, Self.isFree(failure, idempotent: exchange.idempotent) {
            exchange.freeRetries += 1
            tries -= 1
            state = .backingOff(exchange)
            return Step(report: report, action: .retryNow)
        }
        let inTime = exchange.deadline == 0 || now < exchange.deadline
        let decision =
            inTime
            ? policy.decide(
                tries: tries, failure: failure, idempotent: exchange.idempotent, bodyReplayable: exchange.canReplay,
                budget: &budget, now: now)
            : .stop(.notRetriable)
        guard decision.shouldRetry else {
            state = .idle
            let answer = failure.answer
            return Step(
                report: report, action: .answer(status: answer.status, reason: answer.reason),
                budgetRefused: decision == .stop(.budgetExhausted))
        }
        let delay = policy.backoff.delay(forRetry: tries, using: &random)
        state = .backingOff(exchange)
        return Step(report: report, action: .retry(after: delay))
    }

    static func isFree(_ failure: TryFailure, idempotent: Bool) -> Bool {
        switch failure {
        case .connectFailure, .staleConnection: true
        case .reset: idempotent
        case .protocolError, .timeout, .status, .grpcStatus: false
        }
    }

    private func cancelledReport(_ exchange: Exchange) -> Report {
        Report(endpoint: exchange.endpoint ?? 0, outcome: .cancelled, startedAt: exchange.tryStartedAt)
    }
}
