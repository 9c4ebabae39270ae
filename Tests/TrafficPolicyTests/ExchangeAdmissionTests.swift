import Testing
import TrafficPolicy

@Suite("Exchange state machine: rate limit and injected faults before the first try")
struct ExchangeAdmissionTests {
    static let request = ExchangeStateMachine.Request(idempotent: true, bodyComplete: true)

    static func arrive(_ f: inout ExchangeFixture, limit: inout TokenBucket?, fault: FaultInjection.Decision = .none,
                       timeout: UInt64 = 0) -> ExchangeStateMachine.Step {
        f.machine.requestArrived(
            request, policy: f.policy, timeout: timeout, now: f.now, budget: &f.budget, rateLimit: &limit,
            admission: .init(fault: fault))
    }

    @Test("without a limit or fault a request starts its first try at once")
    func nothingConfigured() {
        var f = ExchangeFixture()
        var limit: TokenBucket? = nil
        #expect(Self.arrive(&f, limit: &limit).action == .pickEndpoint(avoiding: nil))
        #expect(f.machine.isBusy)
    }

    @Test("an empty bucket answers 429 with the seconds until a token, and nothing is tried")
    func rateLimited() {
        var f = ExchangeFixture()
        var limit: TokenBucket? = TokenBucket(requestsPerSecond: 1, burst: 1)
        #expect(Self.arrive(&f, limit: &limit).action == .pickEndpoint(avoiding: nil))
        f.connect()
        _ = f.head(200)
        f.machine.responseEnded()
        #expect(Self.arrive(&f, limit: &limit).action == .rateLimited(retryAfterSeconds: 1))
        #expect(!f.machine.isBusy)
        #expect(f.machine.tries == 0)
    }

    @Test("an abort without delay is answered at once with its status")
    func abort() {
        var f = ExchangeFixture()
        var limit: TokenBucket? = nil
        let step = Self.arrive(&f, limit: &limit, fault: .init(abortStatus: 503))
        #expect(step.action == .answer(status: 503, reason: "fault-abort"))
        #expect(!f.machine.isBusy)
    }

    @Test("a delay waits, then the first try begins; with an abort too, the abort comes after the delay")
    func delay() {
        var f = ExchangeFixture()
        var limit: TokenBucket? = nil
        #expect(Self.arrive(&f, limit: &limit, fault: .init(delay: 200)).action == .delay(nanoseconds: 200))
        #expect(f.machine.isBusy && !f.machine.isConnected)
        #expect(f.machine.faultDelayElapsed().action == .pickEndpoint(avoiding: nil))
        #expect(f.machine.faultDelayElapsed().action == .none)
        f.connect()
        #expect(f.head(200).action == .forwardResponse)
        f.machine.responseEnded()

        #expect(Self.arrive(&f, limit: &limit, fault: .init(delay: 50, abortStatus: 500)).action == .delay(nanoseconds: 50))
        #expect(f.machine.faultDelayElapsed().action == .answer(status: 500, reason: "fault-abort"))
        #expect(!f.machine.isBusy)
        // The next request is not aborted by what the last one drew.
        #expect(Self.arrive(&f, limit: &limit, fault: .init(delay: 50)).action == .delay(nanoseconds: 50))
        #expect(f.machine.faultDelayElapsed().action == .pickEndpoint(avoiding: nil))
    }

    @Test("the delay counts against the overall deadline: past it the client gets 504")
    func delayPastDeadline() {
        var f = ExchangeFixture()
        var limit: TokenBucket? = nil
        _ = Self.arrive(&f, limit: &limit, fault: .init(delay: 500 * ExchangeFixture.ms), timeout: 100 * ExchangeFixture.ms)
        #expect(f.tick(after: 150 * ExchangeFixture.ms).action == .answer(status: 504, reason: "timeout"))
        #expect(f.machine.faultDelayElapsed().action == .none)
    }

    @Test("a client gone during the delay abandons the exchange")
    func clientGoneDuringDelay() {
        var f = ExchangeFixture()
        var limit: TokenBucket? = nil
        _ = Self.arrive(&f, limit: &limit, fault: .init(delay: 10))
        #expect(f.machine.clientGone().action == .abandon)
        #expect(!f.machine.isBusy)
    }
}
