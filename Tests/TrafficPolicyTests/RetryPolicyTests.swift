import Testing
import TrafficPolicy

@Suite struct RetryPolicyTests {
    private let policy = RetryPolicy(maxRetries: 2, retryOn: [.gatewayError, .connectFailure, .reset])

    @Test func gatewayErrorsAreRetriedUntilTheRetriesAreUsed() {
        #expect(
            policy.decide(attempt: 1, outcome: .response(status: 503), method: "GET", bodyReplayable: true)
                == .retry(.gatewayError)
        )
        #expect(
            policy.decide(attempt: 2, outcome: .response(status: 502), method: "GET", bodyReplayable: true)
                == .retry(.gatewayError)
        )
        #expect(
            policy.decide(attempt: 3, outcome: .response(status: 504), method: "GET", bodyReplayable: true)
                == .stop(.retriesExhausted)
        )
    }

    @Test func onlyTheListedConditionsRetry() {
        #expect(
            policy.decide(attempt: 1, outcome: .response(status: 500), method: "GET", bodyReplayable: true)
                == .stop(.notRetriable)
        )
        #expect(
            policy.decide(attempt: 1, outcome: .response(status: 404), method: "GET", bodyReplayable: true)
                == .stop(.succeeded)
        )
        #expect(policy.decide(attempt: 1, outcome: .reset, method: "GET", bodyReplayable: true) == .retry(.reset))
        let fiveXX = RetryPolicy(retryOn: [.serverError], retriableStatusCodes: [429])
        #expect(
            fiveXX.decide(attempt: 1, outcome: .response(status: 500), method: "GET", bodyReplayable: true)
                == .retry(.serverError)
        )
        #expect(
            fiveXX.decide(attempt: 1, outcome: .response(status: 429), method: "GET", bodyReplayable: true)
                == .retry(.retriableStatusCode)
        )
        #expect(
            fiveXX.decide(attempt: 1, outcome: .connectFailure, method: "GET", bodyReplayable: true)
                == .stop(.notRetriable)
        )
        #expect(
            RetryPolicy.disabled.decide(attempt: 1, outcome: .connectFailure, method: "GET", bodyReplayable: true)
                == .stop(.notRetriable)
        )
    }

    @Test func timeoutsAreRetriedOnlyWhenAskedFor() {
        let everything = RetryPolicy(retryOn: [.serverError, .gatewayError, .connectFailure, .reset])
        #expect(
            everything.decide(attempt: 1, outcome: .timeout, method: "GET", bodyReplayable: true)
                == .stop(.notRetriable)
        )
        let withTimeout = RetryPolicy(retryOn: [.timeout])
        #expect(
            withTimeout.decide(attempt: 1, outcome: .timeout, method: "GET", bodyReplayable: true)
                == .retry(.timeout)
        )
    }

    @Test(arguments: ["POST", "PATCH", "CONNECT", "get"])
    func nonIdempotentMethodsAreNotRetriedByDefault(method: String) {
        #expect(
            policy.decide(attempt: 1, outcome: .response(status: 503), method: method, bodyReplayable: true)
                == .stop(.nonIdempotentMethod)
        )
        #expect(
            policy.decide(attempt: 1, outcome: .reset, method: method, bodyReplayable: true)
                == .stop(.nonIdempotentMethod)
        )
        // A connect failure is safe for any method: the upstream never saw the request.
        #expect(
            policy.decide(attempt: 1, outcome: .connectFailure, method: method, bodyReplayable: true)
                == .retry(.connectFailure)
        )
        var permissive = policy
        permissive.retryNonIdempotent = true
        #expect(
            permissive.decide(attempt: 1, outcome: .response(status: 503), method: method, bodyReplayable: true)
                == .retry(.gatewayError)
        )
    }

    @Test(arguments: ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"])
    func idempotentMethodsAreRetried(method: String) {
        #expect(RetryPolicy.isIdempotent(method: method))
        #expect(policy.decide(attempt: 1, outcome: .reset, method: method, bodyReplayable: true) == .retry(.reset))
    }

    @Test func aBodyThatWasNotKeptCannotBeResent() {
        #expect(
            policy.decide(attempt: 1, outcome: .response(status: 503), method: "PUT", bodyReplayable: false)
                == .stop(.bodyNotReplayable)
        )
        #expect(policy.keepsBody(ofLength: 64 * 1024))
        #expect(!policy.keepsBody(ofLength: 64 * 1024 + 1))
        #expect(policy.keepsBody(ofLength: nil))
        #expect(!RetryPolicy.disabled.keepsBody(ofLength: 10))
    }

    @Test func cancelledAttemptsAreNeverRetried() {
        #expect(
            policy.decide(attempt: 1, outcome: .cancelled, method: "GET", bodyReplayable: true)
                == .stop(.cancelled)
        )
    }

    @Test func theBudgetHasTheLastWord() {
        var budget = RetryBudget(configuration: .init(retryRatio: 0, minRetriesPerSecond: 1, ttl: 1_000_000_000))
        let first = policy.decide(
            attempt: 1,
            outcome: .response(status: 503),
            method: "GET",
            bodyReplayable: true,
            budget: &budget,
            now: 0
        )
        let second = policy.decide(
            attempt: 1,
            outcome: .response(status: 503),
            method: "GET",
            bodyReplayable: true,
            budget: &budget,
            now: 0
        )
        let success = policy.decide(
            attempt: 1,
            outcome: .response(status: 200),
            method: "GET",
            bodyReplayable: true,
            budget: &budget,
            now: 0
        )
        #expect(first == .retry(.gatewayError))
        #expect(second == .stop(.budgetExhausted))
        #expect(success == .stop(.succeeded))
        #expect(budget.retriesGranted == 1)  // a decision not to retry takes nothing from the budget
    }

    @Test func retryOnNamesAreTheOnesUsersWrite() {
        #expect(RetryConditions(name: "5xx") == .serverError)
        #expect(RetryConditions(name: "gateway-error") == .gatewayError)
        #expect(RetryConditions(name: "connect-failure") == .connectFailure)
        #expect(RetryConditions(name: "timeout") == .timeout)
        #expect(RetryConditions(name: "5XX") == nil)
    }
}
