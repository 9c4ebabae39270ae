import Testing
import TrafficPolicy

/// HTTP/1.1 Upgrade (WebSocket) and opaque TCP connections: when an exchange becomes a tunnel, and what is (not)
/// retried on the way there.
@Suite("Exchange state machine: upgrades and opaque connections")
struct ExchangeTunnelTests {
    /// Retries every gateway error and 503, with no backoff.
    static let retrying = RetryPolicy(
        attempts: 3, retryOn: [.gatewayError, .connectFailure, .reset], retriableStatusCodes: StatusCodeSet([503]),
        backoff: Backoff(base: 0, maximum: 0, jitter: .none))

    @Test func a101ToAnUpgradeRequestIsATunnelThatNoDeadlineEnds() {
        var f = ExchangeFixture()
        f.start(timeout: 100 * ExchangeFixture.ms, carries: .upgrade)
        f.connect(1)
        let step = f.head(101)
        #expect(step.action == .tunnel)
        #expect(step.report == .init(endpoint: 1, outcome: .response(status: 101), startedAt: f.now))
        #expect(f.machine.isTunneling && f.machine.isConnected && f.machine.isBusy)
        // The request's overall deadline ended with the switch: a tunnel is open as long as its ends keep it.
        #expect(f.tick(after: 10_000 * ExchangeFixture.ms) == .none)
        #expect(f.machine.isTunneling)
        f.machine.tunnelEnded()
        #expect(!f.machine.isBusy)
    }

    @Test func aRefusedUpgradeIsAnOrdinaryResponseAndTheConnectionParsesHTTPAgain() {
        var f = ExchangeFixture()
        f.start(carries: .upgrade)
        f.connect()
        #expect(f.head(403).action == .forwardResponse)
        #expect(!f.machine.isTunneling)
        f.machine.responseEnded()
        #expect(!f.machine.isBusy)
    }

    @Test func a101NobodyAskedForIsAProtocolError() {
        var f = ExchangeFixture(policy: .none)
        f.start()
        f.connect(2)
        let step = f.head(101)
        #expect(step.action == ExchangeFixture.answer(502, "upstream-protocol-error"))
        #expect(step.report?.outcome == .reset)
        #expect(!f.machine.isTunneling)
    }

    @Test("an upgrade whose head went up is not sent again: a reset, a timeout or a retriable status ends it")
    func anUpgradeIsNotRetriedOnceSent() {
        var f = ExchangeFixture(policy: Self.retrying)
        f.start(carries: .upgrade)
        f.connect()
        #expect(f.fail(.reset).action == ExchangeFixture.answer(502, "upstream-reset"))
        // The same request without the upgrade is retried (free: a reset of an idempotent request).
        var plain = ExchangeFixture(policy: Self.retrying)
        plain.start()
        plain.connect()
        #expect(plain.fail(.reset).action == .retryNow)

        var status = ExchangeFixture(policy: Self.retrying)
        status.start(carries: .upgrade)
        status.connect()
        #expect(status.head(503).action == .forwardResponse)

        var timeout = ExchangeFixture(policy: Self.retrying)
        timeout.start(carries: .upgrade)
        timeout.connect()
        #expect(timeout.fail(.timeout).action == ExchangeFixture.answer(504, "timeout"))
    }

    @Test("an upgrade is retried when it never left: a refused connect, or a pooled connection the server had closed")
    func anUpgradeThatNeverLeftIsRetried() {
        var f = ExchangeFixture(policy: .none)
        f.start(carries: .upgrade)
        _ = f.machine.endpointPicked(0, now: f.now)
        #expect(f.fail(.connectFailure).action == .retryNow)
        #expect(f.nextTry().action == .pickEndpoint(avoiding: 0))
        f.connect(1)
        #expect(f.fail(.staleConnection).action == .retryNow)
        #expect(f.nextTry().action == .pickEndpoint(avoiding: 1))
        f.connect(0)
        #expect(f.head(101).action == .tunnel)
    }

    @Test func anOpaqueConnectionIsATunnelOnceConnectedAndReportsOneSuccess() {
        var f = ExchangeFixture()
        #expect(f.start(carries: .connection).action == .pickEndpoint(avoiding: nil))
        #expect(f.machine.endpointPicked(3, now: f.now).action == .connect(endpoint: 3))
        let connected = f.machine.connected()
        #expect(connected)
        #expect(f.machine.isTunneling)
        #expect(f.machine.tunnelOpened() == .init(endpoint: 3, outcome: .connected, startedAt: f.now))
        #expect(f.machine.tunnelOpened() == nil)
        #expect(AttemptOutcome.connected.isSuccess && !AttemptOutcome.connected.isFailure)
        // The upstream closing under a tunnel closes the client: there is nothing to answer.
        #expect(f.fail(.reset).action == .closeClient)
        #expect(!f.machine.isBusy)
    }

    @Test("an opaque connection's refused connect goes to another endpoint, a bounded number of times")
    func anOpaqueConnectFailureIsRetriedElsewhereBounded() {
        var f = ExchangeFixture(policy: .none)
        f.start(carries: .connection)
        var avoided: [Int?] = []
        var last = ExchangeStateMachine.Step.none
        for endpoint in 0..<5 {
            _ = f.machine.endpointPicked(endpoint, now: f.now)
            last = f.fail(.connectFailure)
            guard last.action == .retryNow else { break }
            if case .pickEndpoint(let avoiding) = f.nextTry().action { avoided.append(avoiding) }
        }
        // Two free retries (each away from the endpoint that refused), then the answer: the handler closes.
        #expect(avoided == [0, 1])
        #expect(last.action == ExchangeFixture.answer(503, "connect-failure"))
    }

    @Test func theClientLeavingATunnelAbandonsItWithoutAReport() {
        var f = ExchangeFixture()
        f.start(carries: .upgrade)
        f.connect()
        _ = f.head(101)
        let step = f.machine.clientGone()
        #expect(step.action == .abandon)
        #expect(step.report == nil)
        #expect(!f.machine.isBusy)
    }
}
