/// A RetryPolicy compiled for the proxy: how many tries, on which failures, for which requests, within which
/// timeouts and budget. `decide` is the one place a retry is decided; the exchange state machine calls it.
///
/// Defaults (`RetryPolicy.none`, for a service without a policy): one try, nothing retried by policy. The state
/// machine's free retries (a refused connect, a stale pooled connection) do not depend on a policy.
public struct RetryPolicy: Sendable, Hashable {
    /// Tries in all, the first included (1: no retries).
    public var attempts: Int
    /// Which failures are retried.
    public var retryOn: RetryConditions
    /// Response codes retried as well (Envoy's `retriable-status-codes`), e.g. 404, 425 or 429.
    public var retriableStatusCodes: StatusCodeSet
    /// Retry POST, PATCH and other non-idempotent methods too (double payments otherwise: istio #50506).
    public var retryNonIdempotent: Bool
    /// Largest request body, in bytes, the proxy keeps so that it can send it again.
    public var maxReplayableBodyBytes: Int
    /// Time a try has to get a response head, in nanoseconds; 0 for none.
    public var perTryTimeout: UInt64
    /// Time the whole request has, every try and backoff included, in nanoseconds; nil for the proxy's default.
    public var timeout: UInt64?
    /// Delay between tries.
    public var backoff: Backoff
    /// How many retries the service's traffic may add.
    public var budget: RetryBudget.Configuration

    /// No retries by policy.
    public static let none = RetryPolicy(attempts: 1, retryOn: [])

    /// A policy; times in nanoseconds.
    public init(
        attempts: Int = 3,
        retryOn: RetryConditions = [.gatewayError, .connectFailure, .reset],
        retriableStatusCodes: StatusCodeSet = StatusCodeSet(),
        retryNonIdempotent: Bool = false,
        maxReplayableBodyBytes: Int = 64 * 1024,
        perTryTimeout: UInt64 = 0,
        timeout: UInt64? = nil,
        backoff: Backoff = Backoff(base: 25_000_000, maximum: 250_000_000, jitter: .proportional(0.5)),
        budget: RetryBudget.Configuration = RetryBudget.Configuration()
    ) {
        self.attempts = max(attempts, 1)
        self.retryOn = retryOn
        self.retriableStatusCodes = retriableStatusCodes
        self.retryNonIdempotent = retryNonIdempotent
        self.maxReplayableBodyBytes = max(maxReplayableBodyBytes, 0)
        self.perTryTimeout = perTryTimeout
        self.timeout = timeout
        self.backoff = backoff
        self.budget = budget
    }

    /// Whether a request of this kind may be sent more than once at all (RFC 9110 §9.2.2 unless the policy says
    /// otherwise); when not, its body is not kept.
    @inlinable
    public func mayResend(idempotent: Bool) -> Bool { idempotent || retryNonIdempotent }

    /// Whether the policy retries a response with `status` (then it is replaced by a retry, never forwarded).
    @inlinable
    public func retries(status: Int) -> Bool {
        if status < 400 { return false }
        return matchingCondition(.status(status)) != nil
    }

    /// Whether the policy retries a gRPC answer with `grpcStatus` (0 is OK: never).
    @inlinable
    public func retries(grpcStatus: Int) -> Bool {
        grpcStatus != 0 && matchingCondition(.grpcStatus(grpcStatus)) != nil
    }

    /// Whether any gRPC status is retried: the handler reads `grpc-status` only then.
    public var retriesGRPC: Bool { !retryOn.isDisjoint(with: .grpcAny) }

    /// Decides whether to retry after a try.
    /// - Parameters:
    ///   - tries: tries made so far, the one that just ended included.
    ///   - failure: how it ended.
    ///   - idempotent: whether the request's method is idempotent.
    ///   - bodyReplayable: whether the proxy can send the whole request again.
    /// - Returns: `.retry` with the matching condition, or `.stop` with the first reason not to, checked in this
    ///   order: failure not retried, tries used up, method, body.
    public func decide(tries: Int, failure: TryFailure, idempotent: Bool, bodyReplayable: Bool) -> RetryDecision {
        guard let reason = matchingCondition(failure) else {
            if case .status(let status) = failure, status < 500 { return .stop(.succeeded) }
            return .stop(.notRetriable)
        }
        if tries >= attempts { return .stop(.retriesExhausted) }
        if !mayResend(idempotent: idempotent) { return .stop(.nonIdempotentMethod) }
        if !bodyReplayable { return .stop(.bodyNotReplayable) }
        return .retry(reason)
    }

    /// `decide`, then, for a retry, one withdrawal from `budget`: the whole retry check in one call.
    /// Returns `.stop(.budgetExhausted)` when the policy would retry but the budget refuses.
    public func decide(
        tries: Int, failure: TryFailure, idempotent: Bool, bodyReplayable: Bool, budget: inout RetryBudget,
        now: UInt64
    ) -> RetryDecision {
        let decision = decide(tries: tries, failure: failure, idempotent: idempotent, bodyReplayable: bodyReplayable)
        guard decision.shouldRetry else { return decision }
        return budget.tryWithdrawRetry(now: now) ? decision : .stop(.budgetExhausted)
    }

    /// The most specific `retryOn` condition `failure` meets, or nil.
    @usableFromInline
    func matchingCondition(_ failure: TryFailure) -> RetryDecision.RetryReason? {
        switch failure {
        case .status(let status):
            if retriableStatusCodes.contains(status) { return .retriableStatusCode }
            if retryOn.contains(.gatewayError), status == 502 || status == 503 || status == 504 { return .gatewayError }
            if retryOn.contains(.serverError), status >= 500 && status <= 599 { return .serverError }
            return nil
        case .connectFailure:
            if retryOn.contains(.connectFailure) { return .connectFailure }
            return retryOn.contains(.gatewayError) ? .gatewayError : nil
        case .reset, .staleConnection:
            if retryOn.contains(.reset) { return .reset }
            return retryOn.contains(.gatewayError) ? .gatewayError : nil
        case .protocolError, .timeout:
            if retryOn.contains(.gatewayError) { return .gatewayError }
            return retryOn.contains(.serverError) ? .serverError : nil
        case .grpcStatus(let status):
            guard let condition = RetryConditions(grpcStatus: status), retryOn.contains(condition) else { return nil }
            return .grpcStatus
        }
    }
}
