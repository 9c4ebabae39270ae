import Testing
import TrafficPolicy

@Suite("Exchange state machine: tries, answers and reports")
struct ExchangeStateMachineTests {
    @Test func aRequestPicksConnectsAndReportsItsResponse() {
        var f = ExchangeFixture()
        #expect(f.start().action == .pickEndpoint(avoiding: nil))
        #expect(f.machine.endpointPicked(2, now: f.now).action == .connect(endpoint: 2))
        #expect(f.machine.connected() == true)
        let step = f.head(200)
        #expect(step.action == .forwardResponse)
        #expect(step.report == .init(endpoint: 2, outcome: .response(status: 200), startedAt: f.now))
        f.machine.responseEnded()
        #expect(!f.machine.isBusy)
        #expect(f.machine.tries == 1)
    }

    @Test func noEndpointIsA503() {
        var f = ExchangeFixture()
        f.start()
        #expect(f.machine.endpointPicked(nil, now: f.now).action == ExchangeFixture.answer(503, "no-healthy-endpoint"))
        #expect(!f.machine.isBusy)
    }

    @Test func aConnectionNobodyWaitsForIsRefused() {
        var f = ExchangeFixture()
        #expect(f.machine.connected() == false)
        f.start()
        // Picking, not yet connecting.
        #expect(f.machine.connected() == false)
    }

    @Test func poolOverflowIsA503WithoutRetry() {
        var f = ExchangeFixture()
        f.start()
        _ = f.machine.endpointPicked(0, now: f.now)
        let step = f.machine.poolOverflow()
        #expect(step.action == ExchangeFixture.answer(503, "overflow"))
        #expect(step.report?.outcome == .cancelled)
    }

    @Test("each failure, when nothing retries it, gets its own answer", arguments: [
        (TryFailure.connectFailure, 503, "connect-failure"), (.reset, 502, "upstream-reset"),
        (.staleConnection, 502, "upstream-reset"), (.protocolError, 502, "upstream-protocol-error"),
        (.timeout, 504, "timeout"),
    ])
    func answers(failure: TryFailure, status: Int, reason: String) {
        // POST: no free retries, no policy retries.
        var f = ExchangeFixture()
        f.start(idempotent: false)
        f.connect(1)
        let step = f.fail(failure)
        #expect(step.action == ExchangeFixture.answer(status, reason))
        #expect(step.report == .init(endpoint: 1, outcome: failure.outcome, startedAt: f.now))
    }

    @Test func freeRetriesForRefusedAndStaleConnectionsAreTwoAtMostAndDoNotCountAsTries() {
        var f = ExchangeFixture(policy: .none)
        f.start()
        f.connect(0)
        #expect(f.fail(.staleConnection).action == .retryNow)
        #expect(f.nextTry().action == .pickEndpoint(avoiding: 0))
        f.connect(1)
        #expect(f.fail(.connectFailure).action == .retryNow)
        #expect(f.nextTry().action == .pickEndpoint(avoiding: 1))
        f.connect(2)
        #expect(f.fail(.connectFailure).action == ExchangeFixture.answer(503, "connect-failure"))
        #expect(f.machine.tries == 1)
    }

    @Test func aResetIsFreeOnlyForIdempotentRequests() {
        var get = ExchangeFixture(policy: .none)
        get.start()
        get.connect()
        #expect(get.fail(.reset).action == .retryNow)
        var post = ExchangeFixture(policy: .none)
        post.start(idempotent: false)
        post.connect()
        #expect(post.fail(.reset).action == ExchangeFixture.answer(502, "upstream-reset"))
    }
}
