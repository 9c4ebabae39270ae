import TrafficPolicy

/// An exchange state machine with the shared state it needs (a budget, a seeded generator, a clock), driven the way
/// the proxy's handler drives it: each call is one event, and returns the step the handler would carry out.
struct ExchangeFixture {
    var machine = ExchangeStateMachine()
    var budget: RetryBudget
    var random = SplitMix64(seed: 7)
    var now: UInt64 = 1_000_000_000
    var policy: RetryPolicy

    static let ms: UInt64 = 1_000_000

    init(policy: RetryPolicy = RetryPolicy(backoff: Backoff(base: 0, maximum: 0, jitter: .none)),
         budget: RetryBudget.Configuration = RetryBudget.Configuration(retryRatio: 0.2, minRetriesPerSecond: 100)) {
        self.policy = policy
        self.budget = RetryBudget(configuration: budget)
    }

    /// A GET without a body, unless told otherwise; returns the first step.
    @discardableResult
    mutating func start(idempotent: Bool = true, bodyComplete: Bool = true, contentLength: Int? = nil,
                        timeout: UInt64 = 0, carries: ExchangeStateMachine.Carriage = .request) -> ExchangeStateMachine.Step {
        machine.requestStarted(
            .init(idempotent: idempotent, bodyComplete: bodyComplete, contentLength: contentLength, carries: carries),
            policy: policy, timeout: timeout, now: now, budget: &budget)
    }

    /// Picks `endpoint` and connects: the try is sending.
    mutating func connect(_ endpoint: Int = 0) {
        _ = machine.endpointPicked(endpoint, now: now)
        _ = machine.connected()
    }

    mutating func fail(_ failure: TryFailure) -> ExchangeStateMachine.Step {
        machine.upstreamFailed(failure, now: now, budget: &budget, random: &random)
    }

    mutating func head(_ status: Int) -> ExchangeStateMachine.Step {
        machine.responseHead(status: status, now: now, budget: &budget, random: &random)
    }

    mutating func tick(after nanos: UInt64) -> ExchangeStateMachine.Step {
        now += nanos
        return machine.deadlinesChecked(now: now, budget: &budget, random: &random)
    }

    /// After a retry step: the next try's pick.
    mutating func nextTry() -> ExchangeStateMachine.Step { machine.backoffElapsed() }

    static func answer(_ status: Int, _ reason: String) -> ExchangeStateMachine.Action {
        .answer(status: status, reason: reason)
    }
}
