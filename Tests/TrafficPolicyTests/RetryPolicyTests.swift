import Testing
import TrafficPolicy

@Suite struct RetryPolicyTests {
    private let policy = RetryPolicy(attempts: 3, retryOn: [.gatewayError], retriableStatusCodes: StatusCodeSet([425]))

    @Test func decideGivesTheFirstReasonNotToRetryInOrder() {
        #expect(policy.decide(tries: 1, failure: .status(503), idempotent: true, bodyReplayable: true) == .retry(.gatewayError))
        #expect(policy.decide(tries: 1, failure: .status(425), idempotent: true, bodyReplayable: true)
            == .retry(.retriableStatusCode))
        #expect(policy.decide(tries: 1, failure: .status(404), idempotent: true, bodyReplayable: true) == .stop(.succeeded))
        #expect(policy.decide(tries: 1, failure: .status(500), idempotent: true, bodyReplayable: true) == .stop(.notRetriable))
        #expect(policy.decide(tries: 3, failure: .status(503), idempotent: false, bodyReplayable: false)
            == .stop(.retriesExhausted))
        #expect(policy.decide(tries: 1, failure: .status(503), idempotent: false, bodyReplayable: false)
            == .stop(.nonIdempotentMethod))
        #expect(policy.decide(tries: 1, failure: .status(503), idempotent: true, bodyReplayable: false)
            == .stop(.bodyNotReplayable))
    }

    @Test func theBudgetHasTheLastWord() {
        var budget = RetryBudget(configuration: .init(retryRatio: 0, minRetriesPerSecond: 0))
        #expect(policy.decide(tries: 1, failure: .timeout, idempotent: true, bodyReplayable: true, budget: &budget, now: 0)
            == .stop(.budgetExhausted))
        #expect(policy.decide(tries: 1, failure: .status(404), idempotent: true, bodyReplayable: true, budget: &budget, now: 0)
            == .stop(.succeeded))
        #expect(budget.retriesRefused == 1)
    }

    @Test func statusCodeSetsHoldExactlyTheListedCodesOf400To599() {
        let set = StatusCodeSet([400, 404, 463, 464, 527, 528, 599, 200, 600])
        for code in [400, 404, 463, 464, 527, 528, 599] { #expect(set.contains(code)) }
        for code in [200, 401, 465, 598, 600, 399] { #expect(!set.contains(code)) }
        #expect(StatusCodeSet().isEmpty && !set.isEmpty)
    }
}
