extension ExchangeStateMachine {
    // MARK: admission (rate limit, injected faults)

    /// What is checked before a request's first try: the service's token bucket (inbound) and the fault drawn for
    /// its route (caller side). Either may be absent; with neither, `requestArrived` is `requestStarted`.
    public struct Admission: Sendable, Hashable {
        /// The fault drawn for this request (`FaultInjection.decide`).
        public var fault: FaultInjection.Decision

        public init(fault: FaultInjection.Decision = .none) {
            self.fault = fault
        }
    }

    /// A request head was parsed and routed: the rate limit and injected faults are applied, then the first try
    /// begins as in `requestStarted`.
    /// - Parameter rateLimit: the service's bucket, when it has a rate limit.
    /// - Returns: `.rateLimited` (no token: nothing is tried, the budget is not touched); `.answer(status,
    ///   "fault-abort")` for an abort without delay; `.delay` for an injected delay (its time counts against the
    ///   request's overall deadline, as the client waits it too); else `.pickEndpoint(avoiding: nil)`.
    public mutating func requestArrived(
        _ request: Request, policy: RetryPolicy, timeout: UInt64, now: UInt64, budget: inout RetryBudget,
        rateLimit: inout TokenBucket?, admission: Admission
    ) -> Step {
        precondition(!isBusy, "a request arrived while another is in progress")
        if rateLimit != nil, case .limited(let wait) = rateLimit!.admit(now: now) {
            tries = 0
            return Step(action: .rateLimited(retryAfterSeconds: TokenBucket.retryAfterSeconds(wait)))
        }
        let fault = admission.fault
        if fault.delay == 0, let status = fault.abortStatus {
            tries = 0
            return Step(action: .answer(status: status, reason: "fault-abort"))
        }
        let first = requestStarted(request, policy: policy, timeout: timeout, now: now, budget: &budget)
        guard fault.delay > 0, case .connecting(let exchange) = state else { return first }
        abortAfterDelay = fault.abortStatus
        state = .backingOff(exchange)
        return Step(action: .delay(nanoseconds: fault.delay))
    }

    /// The injected delay is over: the first try begins, or the injected abort is answered.
    /// - Returns: `.pickEndpoint(avoiding: nil)`, or `.answer(status, "fault-abort")`.
    public mutating func faultDelayElapsed() -> Step {
        guard case .backingOff(let exchange) = state, exchange.endpoint == nil, tries == 1 else { return .none }
        if let status = abortAfterDelay {
            abortAfterDelay = nil
            state = .idle
            tries = 0
            return Step(action: .answer(status: status, reason: "fault-abort"))
        }
        state = .connecting(exchange)
        return Step(action: .pickEndpoint(avoiding: nil))
    }
}
