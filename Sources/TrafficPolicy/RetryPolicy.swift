/// What a RetryPolicy allows: how many retries, on which failures, for which requests. `decide` is pure.
///
/// Defaults: 2 retries (Istio), on connect failures and gateway errors, idempotent methods only (so a POST is never
/// sent twice unless the policy says so, istio #50506), bodies up to 64 KiB kept for replay (Linkerd).
public struct RetryPolicy: Sendable, Hashable {
    /// Retries after the first attempt (Istio's `attempts`, Linkerd's `limit`). 0 disables retries.
    public var maxRetries: Int
    /// Which failures are retried.
    public var retryOn: RetryConditions
    /// Response codes retried in addition to `retryOn` (Envoy's `retriable-status-codes`), e.g. 429 or 409.
    public var retriableStatusCodes: Set<Int>
    /// Retry non-idempotent methods (POST, PATCH, …) too. Connect failures are retried for any method regardless.
    public var retryNonIdempotent: Bool
    /// Largest request body, in bytes, that the proxy keeps so that it can send it again.
    public var maxReplayableBodyBytes: Int

    /// No retries: what `meshctl proxy --to` uses.
    public static let disabled = RetryPolicy(maxRetries: 0, retryOn: [])

    /// A retry policy; see the properties for meanings.
    public init(
        maxRetries: Int = 2,
        retryOn: RetryConditions = [.connectFailure, .gatewayError],
        retriableStatusCodes: Set<Int> = [],
        retryNonIdempotent: Bool = false,
        maxReplayableBodyBytes: Int = 64 * 1024
    ) {
        self.maxRetries = max(maxRetries, 0)
        self.retryOn = retryOn
        self.retriableStatusCodes = retriableStatusCodes
        self.retryNonIdempotent = retryNonIdempotent
        self.maxReplayableBodyBytes = max(maxReplayableBodyBytes, 0)
    }

    /// True for the methods RFC 9110 §9.2.2 calls idempotent: GET, HEAD, OPTIONS, TRACE, PUT, DELETE.
    /// Methods are case-sensitive.
    public static func isIdempotent(method: String) -> Bool {
        switch method {
        case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE": true
        default: false
        }
    }

    /// Whether a body of `length` bytes (nil: not known yet, e.g. chunked) may be kept for replay. A chunked body
    /// is kept while it stays within the bound and dropped (no retry) once it exceeds it.
    public func keepsBody(ofLength length: Int?) -> Bool {
        guard retriesEnabled else { return false }
        guard let length else { return true }
        return length <= maxReplayableBodyBytes
    }

    /// True when this policy can retry anything at all (the proxy can skip buffering bodies otherwise).
    public var retriesEnabled: Bool {
        maxRetries > 0 && (!retryOn.isEmpty || !retriableStatusCodes.isEmpty)
    }

    /// Decides whether to retry after an attempt.
    /// - Parameters:
    ///   - attempt: which attempt just ended, from 1 (the original request).
    ///   - outcome: how it ended.
    ///   - method: the request method.
    ///   - bodyReplayable: whether the proxy still has the whole request body (no body counts as replayable).
    /// - Returns: `.retry` with the matching condition, or `.stop` with the first reason not to, checked in this
    ///   order: cancelled, outcome not retried, retries exhausted, method, body.
    public func decide(attempt: Int, outcome: AttemptOutcome, method: String, bodyReplayable: Bool) -> RetryDecision {
        if case .cancelled = outcome { return .stop(.cancelled) }
        guard let reason = matchingCondition(outcome) else {
            if case .response(let status) = outcome, status < 500 { return .stop(.succeeded) }
            return .stop(.notRetriable)
        }
        if attempt > maxRetries { return .stop(.retriesExhausted) }
        if !retryNonIdempotent, outcome != .connectFailure, !Self.isIdempotent(method: method) {
            return .stop(.nonIdempotentMethod)
        }
        if !bodyReplayable { return .stop(.bodyNotReplayable) }
        return .retry(reason)
    }

    /// The most specific `retryOn` condition that `outcome` meets, or nil.
    private func matchingCondition(_ outcome: AttemptOutcome) -> RetryDecision.RetryReason? {
        switch outcome {
        case .response(let status):
            if retriableStatusCodes.contains(status) { return .retriableStatusCode }
            if retryOn.contains(.gatewayError), status == 502 || status == 503 || status == 504 { return .gatewayError }
            if retryOn.contains(.serverError), (500...599).contains(status) { return .serverError }
            return nil
        case .connectFailure: return retryOn.contains(.connectFailure) ? .connectFailure : nil
        case .reset: return retryOn.contains(.reset) ? .reset : nil
        case .timeout: return retryOn.contains(.timeout) ? .timeout : nil
        case .cancelled: return nil
        }
    }
}

extension RetryPolicy {
    /// `decide`, then, for a retry, one withdrawal from `budget`: the whole retry check in one call.
    /// Returns `.stop(.budgetExhausted)` when the policy would retry but the budget refuses.
    public func decide(
        attempt: Int,
        outcome: AttemptOutcome,
        method: String,
        bodyReplayable: Bool,
        budget: inout RetryBudget,
        now: UInt64
    ) -> RetryDecision {
        let decision = decide(attempt: attempt, outcome: outcome, method: method, bodyReplayable: bodyReplayable)
        guard decision.shouldRetry else { return decision }
        return budget.tryWithdrawRetry(now: now) ? decision : .stop(.budgetExhausted)
    }
}
