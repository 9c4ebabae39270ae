import SidecarConfig
import TrafficPolicy

extension RetryPolicy {
    /// A RetryPolicy of the sidecar configuration, compiled for the exchange state machine: tries, conditions,
    /// listed codes (any of 400–599: a listed 404 or 425 is retried), timeouts in nanoseconds, backoff, budget.
    init(compiling config: RetryPolicyConfig) {
        var conditions: RetryConditions = []
        for condition in config.retryOn {
            switch condition {
            case .serverError: conditions.insert(.serverError)
            case .gatewayError: conditions.insert(.gatewayError)
            case .connectFailure: conditions.insert(.connectFailure)
            case .reset: conditions.insert(.reset)
            case .retriableStatusCodes: break  // the codes themselves say it
            case .cancelled, .deadlineExceeded, .resourceExhausted, .internal, .unavailable:
                if let status = condition.grpcStatus, let bit = RetryConditions(grpcStatus: status) { conditions.insert(bit) }
            }
        }
        let codes = config.retryOn.contains(.retriableStatusCodes) ? StatusCodeSet(config.retriableStatusCodes) : StatusCodeSet()
        let jitter = config.backoff.jitter
        self.init(
            attempts: config.attempts, retryOn: conditions, retriableStatusCodes: codes,
            retryNonIdempotent: config.retryNonIdempotent,
            perTryTimeout: config.perTryTimeout.map(\.clampedNanoseconds) ?? 0,
            timeout: config.timeout.map(\.clampedNanoseconds),
            backoff: Backoff(
                base: config.backoff.base.clampedNanoseconds, maximum: config.backoff.max.clampedNanoseconds,
                jitter: jitter >= 1 ? .full : (jitter <= 0 ? .none : .proportional(jitter))),
            budget: RetryBudget.Configuration(
                retryRatio: config.budget.percent / 100, minRetriesPerSecond: config.budget.minRetriesPerSecond))
    }
}
