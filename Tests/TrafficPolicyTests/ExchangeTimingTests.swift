import Testing
import TrafficPolicy

@Suite("Exchange state machine: timeouts, held and cut responses, clients that leave")
struct ExchangeTimingTests {
    static let ms = ExchangeFixture.ms

    @Test func thePerTryTimeoutEndsATryAndTheOverallOneTheRequest() {
        var policy = RetryPolicy(attempts: 5, retryOn: .gatewayError, backoff: Backoff(base: 0, maximum: 0, jitter: .none))
        policy.perTryTimeout = 100 * Self.ms
        policy.timeout = 250 * Self.ms
        var f = ExchangeFixture(policy: policy)
        f.start()
        f.connect(0)
        #expect(f.tick(after: 99 * Self.ms).action == .none)
        let first = f.tick(after: 1 * Self.ms)
        #expect(first.action == .retry(after: 0))
        #expect(first.report?.outcome == .timeout)
        _ = f.nextTry()
        f.connect(1)
        #expect(f.tick(after: 100 * Self.ms).action == .retry(after: 0))
        _ = f.nextTry()
        f.connect(2)
        // 200 ms gone: the overall deadline comes before this try's own.
        let last = f.tick(after: 50 * Self.ms)
        #expect(last.action == ExchangeFixture.answer(504, "timeout"))
        #expect(last.report == .init(endpoint: 2, outcome: .cancelled, startedAt: f.now - 50 * Self.ms))
    }

    @Test func thePerTryTimeoutCoversTheHeadNotTheBody() {
        var policy = RetryPolicy.none
        policy.perTryTimeout = 10 * Self.ms
        var f = ExchangeFixture(policy: policy)
        f.start(timeout: 1000 * Self.ms)
        f.connect()
        #expect(f.head(200).action == .forwardResponse)
        #expect(f.tick(after: 500 * Self.ms).action == .none)
        // The overall deadline still cuts a body that takes too long: the client saw the head.
        #expect(f.tick(after: 500 * Self.ms).action == .closeClient)
    }

    @Test func noRetryPastTheOverallDeadline() {
        var policy = RetryPolicy(attempts: 3, retryOn: .gatewayError, backoff: Backoff(base: 0, maximum: 0, jitter: .none))
        policy.timeout = 10 * Self.ms
        var f = ExchangeFixture(policy: policy)
        f.start()
        f.connect()
        f.now += 10 * Self.ms
        #expect(f.head(503).action == .forwardResponse)
    }

    @Test func theOverallDeadlineCoversTheBackoff() {
        var policy = RetryPolicy(attempts: 3, retryOn: .gatewayError, backoff: Backoff(base: 50 * Self.ms, jitter: .none))
        policy.timeout = 20 * Self.ms
        var f = ExchangeFixture(policy: policy)
        f.start()
        f.connect()
        #expect(f.head(503).action == .retry(after: 50 * Self.ms))
        let step = f.tick(after: 20 * Self.ms)
        #expect(step.action == ExchangeFixture.answer(504, "timeout"))
        #expect(step.report == nil)  // the failed try was reported when it failed
    }

    @Test func aHeldResponseCutMidBodyIsRetriedAndAForwardedOneCutsTheClient() {
        var f = ExchangeFixture(policy: .none)
        f.start()
        f.connect(0)
        #expect(f.head(200).action == .forwardResponse)
        #expect(f.machine.holdResponse() == true)
        let cut = f.fail(.reset)
        #expect(cut.action == .retryNow)
        #expect(cut.report == nil)  // reported with its head
        _ = f.nextTry()
        f.connect(1)
        #expect(f.head(200).action == .forwardResponse)
        #expect(f.fail(.reset).action == .closeClient)
    }

    @Test func onlyIdempotentReplayableResponsesAreHeld() {
        var post = ExchangeFixture(policy: .none)
        post.start(idempotent: false)
        post.connect()
        _ = post.head(200)
        #expect(post.machine.holdResponse() == false)
        var big = ExchangeFixture(policy: .none)
        big.start(bodyComplete: false, contentLength: 1 << 20)
        big.connect()
        _ = big.head(200)
        #expect(big.machine.holdResponse() == false)
        var interim = ExchangeFixture(policy: .none)
        interim.start()
        interim.connect()
        interim.machine.interimForwarded()
        _ = interim.head(200)
        #expect(interim.machine.holdResponse() == false)
    }

    @Test func afterAnInterimResponseNothingIsRetried() {
        var f = ExchangeFixture(policy: ExchangeRetryTests.policy(.gatewayError))
        f.start()
        f.connect()
        f.machine.interimForwarded()
        #expect(f.head(503).action == .forwardResponse)
        var g = ExchangeFixture(policy: ExchangeRetryTests.policy(.gatewayError))
        g.start()
        g.connect()
        g.machine.interimForwarded()
        #expect(g.fail(.reset).action == .closeClient)
    }

    @Test func aMalformedBodyIsA502UntilTheClientSawBytes() {
        var f = ExchangeFixture(policy: .none)
        f.start()
        f.connect()
        _ = f.head(200)
        #expect(f.machine.responseMalformed(nothingSent: true).action == ExchangeFixture.answer(502, "upstream-protocol-error"))
        f.start()
        f.connect()
        _ = f.head(200)
        #expect(f.machine.responseMalformed(nothingSent: false).action == .closeClient)
    }

    @Test("a client that leaves in any phase abandons the exchange; an unfinished try is reported cancelled",
          arguments: ["picking", "connecting", "sending", "backingOff", "holding", "forwarding"])
    func clientGone(phase: String) {
        var f = ExchangeFixture(policy: ExchangeRetryTests.policy(.gatewayError))
        f.start()
        var reported = true
        switch phase {
        case "picking": reported = false
        case "connecting": _ = f.machine.endpointPicked(0, now: f.now)
        case "sending": f.connect()
        case "backingOff":
            f.connect()
            _ = f.head(503)
            reported = false
        case "holding":
            f.connect()
            _ = f.head(200)
            _ = f.machine.holdResponse()
            reported = false
        default:
            f.connect()
            _ = f.head(200)
            reported = false
        }
        let step = f.machine.clientGone()
        #expect(step.action == .abandon)
        #expect((step.report?.outcome == .cancelled) == reported)
        #expect(!f.machine.isBusy)
        #expect(f.machine.clientGone() == .none)
    }

    @Test func eventsOutOfPlaceDoNothing() {
        var f = ExchangeFixture()
        #expect(f.head(200) == .none)
        #expect(f.fail(.reset) == .none)
        #expect(f.machine.backoffElapsed() == .none)
        #expect(f.machine.poolOverflow() == .none)
        #expect(f.tick(after: 1) == .none)
        #expect(f.machine.bodySent(bytes: 1) == false)
    }
}
