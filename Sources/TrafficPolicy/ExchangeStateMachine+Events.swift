extension ExchangeStateMachine {
    // MARK: request

    /// A request head was parsed and routed to a service with `policy`; its first try begins.
    /// - Parameters:
    ///   - timeout: nanoseconds the whole request has when the policy sets none (0: no limit).
    ///   - budget: the service's retry budget; the request is recorded in it (retries are funded by requests).
    /// - Returns: `.pickEndpoint(avoiding: nil)`.
    public mutating func requestStarted(
        _ request: Request, policy: RetryPolicy, timeout: UInt64, now: UInt64, budget: inout RetryBudget
    ) -> Step {
        precondition(!isBusy, "a request started while another is in progress")
        budget.recordRequest(now: now)
        var limit = policy.timeout ?? timeout
        if request.callTimeout != 0 { limit = limit == 0 ? request.callTimeout : min(limit, request.callTimeout) }
        let replay: Replay
        if !policy.mayResend(idempotent: request.idempotent) {
            replay = .impossible
        } else if request.bodyComplete {
            replay = .headOnly
        } else if (request.contentLength ?? 0) <= policy.maxReplayableBodyBytes {
            replay = .keeping(bytes: 0)
        } else {
            replay = .impossible
        }
        self.policy = policy
        let exchange = Exchange(
            idempotent: request.idempotent, deadline: limit == 0 ? 0 : now &+ limit, replay: replay,
            carries: request.carries)
        tries = 1
        state = .connecting(exchange)
        return Step(action: .pickEndpoint(avoiding: nil))
    }

    /// The balancer chose `endpoint` for the try (nil: none is available).
    /// - Returns: `.connect(endpoint:)`, or `.answer(503, "no-healthy-endpoint")`.
    public mutating func endpointPicked(_ endpoint: Int?, now: UInt64) -> Step {
        guard case .connecting(var exchange) = state, !exchange.unreported else { return .none }
        guard let endpoint else {
            state = .idle
            return Step(action: .answer(status: 503, reason: "no-healthy-endpoint"))
        }
        exchange.endpoint = endpoint
        exchange.unreported = true
        exchange.tryStartedAt = now
        exchange.tryDeadline = policy.perTryTimeout == 0 ? 0 : now &+ policy.perTryTimeout
        state = .connecting(exchange)
        return Step(action: .connect(endpoint: endpoint))
    }

    /// The pool handed over a connection. False when no try is waiting for one (the handler gives it back).
    /// An opaque connection is a tunnel from here (`isTunneling`; its try is reported as a success now).
    public mutating func connected() -> Bool {
        guard case .connecting(var exchange) = state, exchange.unreported else { return false }
        switch exchange.carries {
        case .request:
            state = .sending(exchange)
        case .upgrade:
            exchange.upgradeSent = true
            state = .sending(exchange)
        case .connection:
            exchange.tryDeadline = 0
            state = .tunneling(exchange)
        }
        return true
    }

    /// The report of an opaque connection's try, due once `connected()` made it a tunnel (nil otherwise).
    public mutating func tunnelOpened() -> Report? {
        guard case .tunneling(var exchange) = state, exchange.unreported else { return nil }
        exchange.unreported = false
        state = .tunneling(exchange)
        return Report(endpoint: exchange.endpoint ?? 0, outcome: .connected, startedAt: exchange.tryStartedAt)
    }

    /// Either side of the tunnel closed (or the tunnel was cut): the handler closes both; the machine is idle.
    public mutating func tunnelEnded() {
        if case .tunneling = state { state = .idle }
    }

    /// `bytes` more body bytes went up. Returns whether the handler keeps them for a replay; false means it drops
    /// what it kept (the body outgrew the bound, or nothing is kept for this request).
    public mutating func bodySent(bytes: Int) -> Bool {
        switch state {
        case .sending(var exchange):
            guard case .keeping(let kept) = exchange.replay else { return false }
            if kept + bytes <= policy.maxReplayableBodyBytes {
                exchange.replay = .keeping(bytes: kept + bytes)
                state = .sending(exchange)
                return true
            }
            exchange.replay = .impossible
            state = .sending(exchange)
            return false
        case .holding(var exchange), .forwarding(var exchange):
            // An early response is on its way; the body still goes up, but cannot be resent any more.
            exchange.replay = .impossible
            if case .holding = state { state = .holding(exchange) } else { state = .forwarding(exchange) }
            return false
        case .idle, .connecting, .backingOff, .tunneling:
            return false
        }
    }

    // MARK: response

    /// An interim (1xx) response went to the client: from now on nothing can be retried.
    public mutating func interimForwarded() {
        guard case .sending(var exchange) = state else { return }
        exchange.clientSawBytes = true
        state = .sending(exchange)
    }

    /// A final response head (status ≥ 200) arrived for the current try.
    /// - Parameter grpcStatus: the `grpc-status` of a gRPC answer whose head carries it (Trailers-Only: gRPC's
    ///   errors), when the policy retries gRPC statuses; nil otherwise.
    /// - Returns: `.forwardResponse`; or, when the policy retries this status (or gRPC status) and a retry is
    ///   possible, a retry (the response is dropped); or `.answer(status, "retries-exhausted")` when only the budget
    ///   said no.
    public mutating func responseHead<R: RandomNumberGenerator>(
        status: Int, grpcStatus: Int? = nil, now: UInt64, budget: inout RetryBudget, random: inout R
    ) -> Step {
        guard case .sending(var exchange) = state else { return .none }
        if status == 101 {
            // A switch of protocols answers an upgrade request, and nothing else (the proxy removes Upgrade from
            // every other request).
            guard exchange.carries == .upgrade else {
                return tryFailed(.protocolError, exchange, now: now, budget: &budget, random: &random)
            }
            let report = Report(endpoint: exchange.endpoint ?? 0, outcome: .response(status: 101), startedAt: exchange.tryStartedAt)
            exchange.unreported = false
            exchange.tryDeadline = 0
            state = .tunneling(exchange)
            return Step(report: report, action: .tunnel)
        }
        let failure: TryFailure? =
            policy.retries(status: status) ? .status(status)
            : grpcStatus.flatMap { policy.retries(grpcStatus: $0) ? .grpcStatus($0) : nil }
        if let failure, !exchange.clientSawBytes, !exchange.upgradeSent,
            exchange.deadline == 0 || now < exchange.deadline,
            policy.decide(
                tries: tries, failure: failure, idempotent: exchange.idempotent,
                bodyReplayable: exchange.canReplay
            ).shouldRetry
        {
            return tryFailed(failure, exchange, now: now, budget: &budget, random: &random)
        }
        let report = Report(endpoint: exchange.endpoint ?? 0, outcome: .response(status: status), startedAt: exchange.tryStartedAt)
        exchange.unreported = false
        // The per-try timeout covers the wait for a response head; a body streams under the overall deadline.
        exchange.tryDeadline = 0
        state = .forwarding(exchange)
        return Step(report: report, action: .forwardResponse)
    }

    /// The response just accepted arrived incomplete. Returns whether it is held back until complete: nothing of it
    /// reached the client, and the request could be sent again (the handler checks that the response is small
    /// and Content-Length framed).
    public mutating func holdResponse() -> Bool {
        guard case .forwarding(let exchange) = state, !exchange.clientSawBytes, exchange.idempotent,
            exchange.canReplay
        else { return false }
        state = .holding(exchange)
        return true
    }

    /// The held response is complete and goes to the client now.
    public mutating func heldResponseReleased() {
        guard case .holding(let exchange) = state else { return }
        state = .forwarding(exchange)
    }

    /// The response ended cleanly; the machine is ready for the next request.
    public mutating func responseEnded() {
        switch state {
        case .forwarding, .holding: state = .idle
        case .idle, .connecting, .backingOff, .sending, .tunneling: break
        }
    }

    /// The response body is malformed. `nothingSent`: no byte of the response reached the client yet.
    /// - Returns: `.answer(502, "upstream-protocol-error")`, or `.closeClient` when the client saw bytes.
    public mutating func responseMalformed(nothingSent: Bool) -> Step {
        guard isConnected else { return .none }
        state = .idle
        if nothingSent { return Step(action: .answer(status: 502, reason: "upstream-protocol-error")) }
        return Step(action: .closeClient)
    }
}
