import Testing
import TrafficPolicy

@Suite("Exchange state machine: retry conditions, budget, replay")
struct ExchangeRetryTests {
    static func policy(_ retryOn: RetryConditions, codes: [Int] = [], attempts: Int = 3) -> RetryPolicy {
        RetryPolicy(attempts: attempts, retryOn: retryOn, retriableStatusCodes: StatusCodeSet(codes),
                    backoff: Backoff(base: 0, maximum: 0, jitter: .none))
    }

    /// Whether `failure` (a status: a response head) is retried under `retryOn` for a GET.
    static func retried(_ retryOn: RetryConditions, codes: [Int] = [], _ failure: TryFailure) -> Bool {
        var f = ExchangeFixture(policy: policy(retryOn, codes: codes))
        f.start()
        f.connect()
        let step: ExchangeStateMachine.Step
        if case .status(let status) = failure { step = f.head(status) } else { step = f.fail(failure) }
        if case .retry = step.action { return true }
        return false
    }

    @Test func everyRetryOnConditionRetriesWhatItNamesAndNothingElse() {
        // Timeouts and protocol errors are not free; connect failures and resets are tested with free retries used.
        #expect(Self.retried(.gatewayError, .status(502)))
        #expect(Self.retried(.gatewayError, .status(503)))
        #expect(Self.retried(.gatewayError, .status(504)))
        #expect(!Self.retried(.gatewayError, .status(500)))
        #expect(Self.retried(.gatewayError, .timeout))
        #expect(Self.retried(.gatewayError, .protocolError))
        #expect(Self.retried(.serverError, .status(500)))
        #expect(Self.retried(.serverError, .status(599)))
        #expect(!Self.retried(.serverError, .status(429)))
        #expect(Self.retried(.serverError, .timeout))
        #expect(!Self.retried(.connectFailure, .timeout))
        #expect(!Self.retried(.reset, .protocolError))
        #expect(!Self.retried([], .status(503)))
    }

    @Test("a listed status code is retried, whatever its class", arguments: [404, 408, 409, 425, 429, 500])
    func listedCodes(code: Int) {
        #expect(Self.retried([], codes: [code], .status(code)))
        #expect(!Self.retried([], codes: [code == 404 ? 405 : 404], .status(code)))
    }

    @Test func connectFailureAndResetConditionsRetryOnceFreeRetriesAreUsed() {
        for (retryOn, failure) in [(RetryConditions.connectFailure, TryFailure.connectFailure), (.reset, .reset),
                                   (.gatewayError, .connectFailure), (.gatewayError, .reset)] {
            var f = ExchangeFixture(policy: Self.policy(retryOn))
            f.start()
            for _ in 0..<2 {
                f.connect()
                #expect(f.fail(failure).action == .retryNow)
                _ = f.nextTry()
            }
            f.connect()
            #expect(f.fail(failure).action == .retry(after: 0))
            var none = ExchangeFixture(policy: Self.policy(failure == .reset ? .connectFailure : .reset))
            none.start()
            for _ in 0..<2 {
                none.connect()
                _ = none.fail(failure)
                _ = none.nextTry()
            }
            none.connect()
            if case .retry = none.fail(failure).action { Issue.record("\(failure) retried under the wrong condition") }
        }
    }

    @Test func attemptsCountEveryTryTheFirstIncluded() {
        var f = ExchangeFixture(policy: Self.policy(.gatewayError, attempts: 3))
        f.start()
        f.connect()
        #expect(f.head(503).action == .retry(after: 0))
        #expect(f.nextTry().action == .pickEndpoint(avoiding: 0))
        f.connect(1)
        #expect(f.head(503).action == .retry(after: 0))
        _ = f.nextTry()
        f.connect(2)
        // Tries used up: the upstream's own 503 is forwarded.
        let last = f.head(503)
        #expect(last.action == .forwardResponse)
        #expect(last.report?.outcome == .response(status: 503))
        #expect(f.machine.tries == 3)
    }

    @Test func aRetriedStatusIsReportedAsTheResponseItWas() {
        var f = ExchangeFixture(policy: Self.policy(.gatewayError))
        f.start()
        f.connect(4)
        #expect(f.head(502).report == .init(endpoint: 4, outcome: .response(status: 502), startedAt: f.now))
    }

    @Test func whenTheBudgetIsSpentTheFailureIsAnsweredAndCounted() {
        // No reserve and no ratio: the budget grants nothing.
        var f = ExchangeFixture(policy: Self.policy(.gatewayError),
                                budget: .init(retryRatio: 0, minRetriesPerSecond: 0))
        f.start()
        f.connect()
        let step = f.head(503)
        #expect(step.action == ExchangeFixture.answer(503, "retries-exhausted"))
        #expect(step.budgetRefused)
        f.start()
        f.connect()
        let timeout = f.fail(.timeout)
        #expect(timeout.action == ExchangeFixture.answer(504, "timeout"))
        #expect(timeout.budgetRefused)
    }

    @Test func theBudgetIsFundedByRequestsOnly() {
        // 50%: two requests fund one retry.
        var f = ExchangeFixture(policy: Self.policy(.gatewayError), budget: .init(retryRatio: 0.5, minRetriesPerSecond: 0))
        f.start()
        f.connect()
        #expect(f.head(200).action == .forwardResponse)
        f.machine.responseEnded()
        f.start()
        f.connect()
        #expect(f.head(503).action == .retry(after: 0))
        _ = f.nextTry()
        f.connect()
        #expect(f.head(503).action == ExchangeFixture.answer(503, "retries-exhausted"))
    }

    @Test func nonIdempotentRequestsAreRetriedOnlyWhenThePolicySays() {
        var post = ExchangeFixture(policy: Self.policy(.gatewayError))
        post.start(idempotent: false)
        post.connect()
        #expect(post.head(503).action == .forwardResponse)
        #expect(post.machine.replay == .impossible)
        var allowed = Self.policy(.gatewayError)
        allowed.retryNonIdempotent = true
        var f = ExchangeFixture(policy: allowed)
        f.start(idempotent: false)
        f.connect()
        #expect(f.head(503).action == .retry(after: 0))
    }

    @Test func aBodyIsKeptUpToTheBoundAndRetriedOnlyWhileKept() {
        var policy = Self.policy(.gatewayError)
        policy.maxReplayableBodyBytes = 100
        var f = ExchangeFixture(policy: policy)
        f.start(bodyComplete: false, contentLength: nil)
        #expect(f.machine.isKeepingBody)
        f.connect()
        #expect(f.machine.bodySent(bytes: 60) == true)
        #expect(f.machine.bodySent(bytes: 40) == true)
        #expect(f.machine.replay == .keeping(bytes: 100))
        #expect(f.head(503).action == .retry(after: 0))
        _ = f.nextTry()
        f.connect()
        // The replayed 100 bytes are kept already; one more byte is over the bound.
        #expect(f.machine.bodySent(bytes: 101) == false)
        #expect(f.machine.replay == .impossible)
        #expect(f.head(503).action == .forwardResponse)
        // A body announced larger than the bound is never kept.
        var big = ExchangeFixture(policy: policy)
        big.start(bodyComplete: false, contentLength: 101)
        #expect(!big.machine.isKeepingBody)
        big.connect()
        #expect(big.machine.bodySent(bytes: 10) == false)
        #expect(big.fail(.connectFailure).action == ExchangeFixture.answer(503, "connect-failure"))
    }

    @Test func retriesWaitTheBackoffAndAvoidTheFailedEndpoint() {
        let policy = RetryPolicy(attempts: 3, retryOn: .gatewayError, backoff: Backoff(base: 10, maximum: 1000, jitter: .none))
        var f = ExchangeFixture(policy: policy)
        f.start()
        f.connect(3)
        #expect(f.head(503).action == .retry(after: 10))
        #expect(f.nextTry().action == .pickEndpoint(avoiding: 3))
        f.connect(1)
        #expect(f.head(503).action == .retry(after: 20))
    }
}
