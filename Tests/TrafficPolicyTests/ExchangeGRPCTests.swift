import Testing
import TrafficPolicy

/// gRPC in the one retry decision: a `grpc-status` the policy names is retried like a listed HTTP status, and a
/// call's own `grpc-timeout` bounds the exchange.
@Suite("Exchange state machine: gRPC statuses and call deadlines")
struct ExchangeGRPCTests {
    static func fixture(_ retryOn: RetryConditions) -> ExchangeFixture {
        ExchangeFixture(policy: RetryPolicy(attempts: 3, retryOn: retryOn, backoff: Backoff(base: 0, maximum: 0, jitter: .none)))
    }

    static func retried(_ retryOn: RetryConditions, grpcStatus: Int) -> ExchangeStateMachine.Step {
        var f = fixture(retryOn)
        f.start()
        f.connect()
        return f.machine.responseHead(status: 200, grpcStatus: grpcStatus, now: f.now, budget: &f.budget, random: &f.random)
    }

    @Test func eachGRPCConditionRetriesItsStatusOnly() {
        let named: [(RetryConditions, Int)] = [
            (.grpcCancelled, 1), (.grpcDeadlineExceeded, 4), (.grpcResourceExhausted, 8), (.grpcInternal, 13),
            (.grpcUnavailable, 14),
        ]
        for (condition, status) in named {
            if case .retry = Self.retried(condition, grpcStatus: status).action {} else {
                Issue.record("\(status) not retried under its condition")
            }
            for (_, other) in named where other != status {
                #expect(Self.retried(condition, grpcStatus: other).action == .forwardResponse)
            }
            #expect(Self.retried(condition, grpcStatus: 0).action == .forwardResponse)
        }
        // HTTP conditions do not cover gRPC statuses (an HTTP 200 is not a 5xx).
        #expect(Self.retried([.gatewayError, .serverError], grpcStatus: 14).action == .forwardResponse)
    }

    @Test func aRetriedUnavailableIsReportedToTheBalancerAsA503() {
        let step = Self.retried(.grpcUnavailable, grpcStatus: 14)
        #expect(step.report?.outcome == .response(status: 503))
        #expect(Self.retried(.grpcCancelled, grpcStatus: 1).report?.outcome == .response(status: 499))
    }

    @Test func attemptsBoundGRPCRetriesThenTheAnswerIsForwarded() {
        var f = Self.fixture(.grpcUnavailable)
        f.start()
        for _ in 0..<2 {
            f.connect()
            guard case .retry = f.machine.responseHead(status: 200, grpcStatus: 14, now: f.now, budget: &f.budget, random: &f.random).action
            else { Issue.record("not retried"); return }
            _ = f.nextTry()
        }
        f.connect()
        let last = f.machine.responseHead(status: 200, grpcStatus: 14, now: f.now, budget: &f.budget, random: &f.random)
        #expect(last.action == .forwardResponse)
        #expect(f.machine.tries == 3)
    }

    @Test func grpcTimeoutShortensTheDeadline() {
        var f = ExchangeFixture()
        _ = f.machine.requestStarted(
            .init(idempotent: true, bodyComplete: true, callTimeout: 50 * ExchangeFixture.ms),
            policy: f.policy, timeout: 10_000 * ExchangeFixture.ms, now: f.now, budget: &f.budget)
        f.connect()
        #expect(f.tick(after: 40 * ExchangeFixture.ms).action == .none)
        #expect(f.tick(after: 20 * ExchangeFixture.ms).action == ExchangeFixture.answer(504, "timeout"))
    }

    @Test func aLongerGRPCTimeoutDoesNotExtendThePolicyTimeout() {
        var f = ExchangeFixture()
        _ = f.machine.requestStarted(
            .init(idempotent: true, bodyComplete: true, callTimeout: 10_000 * ExchangeFixture.ms),
            policy: f.policy, timeout: 100 * ExchangeFixture.ms, now: f.now, budget: &f.budget)
        f.connect()
        #expect(f.tick(after: 110 * ExchangeFixture.ms).action == ExchangeFixture.answer(504, "timeout"))
    }

    @Test func aGRPCTimeoutAppliesWithoutAnyOtherTimeout() {
        var f = ExchangeFixture()
        _ = f.machine.requestStarted(
            .init(idempotent: true, bodyComplete: true, callTimeout: 30 * ExchangeFixture.ms),
            policy: f.policy, timeout: 0, now: f.now, budget: &f.budget)
        f.connect()
        #expect(f.tick(after: 31 * ExchangeFixture.ms).action == ExchangeFixture.answer(504, "timeout"))
    }
}
