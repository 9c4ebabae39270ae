/// Whether to retry a failed attempt, and why: the reason goes into metrics and the proxy's logs.
public enum RetryDecision: Sendable, Hashable {
    /// Send the request again (after a backoff, to another endpoint when there is one).
    case retry(RetryReason)
    /// Return this attempt's result to the client.
    case stop(StopReason)

    /// True for `.retry`.
    public var shouldRetry: Bool {
        if case .retry = self { return true }
        return false
    }

    /// Which `retryOn` condition matched; the raw value is the metric label. When several match, the most specific
    /// is reported: a listed status code, then gateway error, then 5xx.
    public enum RetryReason: String, Sendable, Hashable {
        case retriableStatusCode = "retriable-status-code"
        case gatewayError = "gateway-error"
        case serverError = "5xx"
        case connectFailure = "connect-failure"
        case reset
        case grpcStatus = "grpc-status"
    }

    /// Why the proxy does not retry.
    public enum StopReason: String, Sendable, Hashable {
        /// The attempt succeeded (a response below 500 and not a listed code).
        case succeeded
        /// The attempt failed in a way the policy does not retry.
        case notRetriable = "not-retriable"
        /// The policy's retries are all used.
        case retriesExhausted = "retries-exhausted"
        /// The method is not idempotent and the policy retries only idempotent ones.
        case nonIdempotentMethod = "non-idempotent-method"
        /// The request body was larger than the replay bound and was not kept.
        case bodyNotReplayable = "body-not-replayable"
        /// The retry budget is spent (decided by `RetryBudget`, reported through the same type).
        case budgetExhausted = "budget-exhausted"
    }
}
