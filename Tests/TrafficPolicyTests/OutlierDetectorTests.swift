import Testing
import TrafficPolicy

@Suite struct OutlierDetectorTests {
    private static let second: UInt64 = 1_000_000_000
    private static let fail = AttemptOutcome.response(status: 500)
    private static let ok = AttemptOutcome.response(status: 200)

    /// Sends `outcomes` to `endpoint` as finished requests at `now`; returns the last event.
    @discardableResult
    private func send(
        _ outcomes: [AttemptOutcome],
        to endpoint: Int,
        _ detector: inout OutlierDetector,
        now: UInt64 = 0
    ) -> OutlierDetector.Event? {
        var last: OutlierDetector.Event?
        for outcome in outcomes {
            detector.requestStarted(endpoint: endpoint, now: now)
            if let event = detector.record(endpoint: endpoint, outcome: outcome, now: now) { last = event }
        }
        return last
    }

    private func config(maxEjectionPercent: Int = 100) -> OutlierDetector.Configuration {
        .init(consecutive5xxErrors: 5, baseEjectionTime: 30 * Self.second, maxEjectionPercent: maxEjectionPercent)
    }

    @Test func fiveConsecutiveFailuresEjectForTheBaseTime() {
        var detector = OutlierDetector(endpointCount: 3, configuration: config())
        #expect(send(Array(repeating: Self.fail, count: 4), to: 1, &detector) == nil)
        #expect(detector.unavailableEndpoints(now: 0).isEmpty)
        let event = send([.connectFailure], to: 1, &detector, now: 5)
        #expect(event == .ejected(endpoint: 1, reason: .consecutive5xx, duration: 30 * Self.second, multiplier: 1))
        #expect(detector.unavailableEndpoints(now: 5) == [1])
        #expect(detector.state(of: 1) == .ejected(until: 5 + 30 * Self.second))
        #expect(detector.ejectionsTotal[.consecutive5xx] == 1)
        #expect(detector.ejectedCount == 1)
    }

    @Test func aSuccessOrA4xxResetsTheCount() {
        var detector = OutlierDetector(endpointCount: 2, configuration: config())
        let four = Array(repeating: Self.fail, count: 4)
        send(four + [Self.ok] + four + [.response(status: 404)] + four, to: 0, &detector)
        #expect(detector.state(of: 0) == .active)
        send([.timeout], to: 0, &detector)
        #expect(detector.state(of: 0) != .active)
    }

    @Test func cancelledAttemptsNeitherCountNorReset() {
        var detector = OutlierDetector(endpointCount: 2, configuration: config())
        send([Self.fail, Self.fail, .cancelled, Self.fail, Self.fail, .cancelled, Self.fail], to: 0, &detector)
        #expect(detector.state(of: 0) != .active)
    }

    @Test func gatewayErrorsCountOnlyInARowOfGatewayErrors() {
        var detector = OutlierDetector(
            endpointCount: 2,
            configuration: .init(consecutive5xxErrors: 0, consecutiveGatewayErrors: 3, maxEjectionPercent: 100)
        )
        // A 500 is a 5xx but not a gateway error: it breaks the run.
        let statuses: [AttemptOutcome] = [.response(status: 502), .response(status: 503), .response(status: 500)]
        send(statuses + [.response(status: 504), .reset], to: 0, &detector)
        #expect(detector.state(of: 0) == .active)
        let event = send([.timeout], to: 0, &detector)
        #expect(
            event == .ejected(endpoint: 0, reason: .consecutiveGatewayErrors, duration: 30 * Self.second, multiplier: 1)
        )
    }

    @Test func ejectionTimesGrowOneTwoThreeTimesUntilTheCap() {
        var detector = OutlierDetector(
            endpointCount: 2,
            configuration: .init(
                baseEjectionTime: 30 * Self.second,
                maxEjectionTime: 100 * Self.second,
                maxEjectionPercent: 100
            )
        )
        var now: UInt64 = 0
        var durations: [UInt64] = []
        if case .ejected(_, _, let duration, _) = send(
            Array(repeating: Self.fail, count: 5),
            to: 0,
            &detector,
            now: now
        ) {
            durations.append(duration)
        }
        for _ in 0..<3 {
            // Still out one nanosecond before the penalty ends.
            #expect(detector.unavailableEndpoints(now: now + durations.last! - 1).contains(0))
            now += durations.last!
            #expect(!detector.unavailableEndpoints(now: now).contains(0))
            #expect(detector.state(of: 0) == .probing)
            // The probe fails: out again, for longer.
            if case .ejected(_, let reason, let duration, _) = send([Self.fail], to: 0, &detector, now: now) {
                #expect(reason == .failedProbe)
                durations.append(duration)
            }
        }
        #expect(durations == [30, 60, 90, 100].map { $0 * Self.second })
        #expect(detector.ejections(of: 0) == 4)
    }

    @Test func oneProbeAtATimeAndASuccessfulProbeReinstates() {
        var detector = OutlierDetector(endpointCount: 3, configuration: config())
        send(Array(repeating: Self.fail, count: 5), to: 2, &detector)
        let later = 30 * Self.second
        #expect(detector.unavailableEndpoints(now: later).isEmpty)
        detector.requestStarted(endpoint: 2, now: later)
        // While the probe is out, nothing else goes to endpoint 2.
        #expect(detector.unavailableEndpoints(now: later) == [2])
        let event = detector.record(endpoint: 2, outcome: Self.ok, now: later + 1)
        #expect(event == .reinstated(endpoint: 2))
        #expect(detector.state(of: 2) == .active)
        #expect(detector.unavailableEndpoints(now: later + 1).isEmpty)
        #expect(detector.ejectedCount == 0 && detector.reinstatements == 1)
    }

    @Test func aCancelledProbeLetsTheNextRequestProbe() {
        var detector = OutlierDetector(endpointCount: 2, configuration: config())
        send(Array(repeating: Self.fail, count: 5), to: 0, &detector)
        let later = 30 * Self.second
        _ = detector.unavailableEndpoints(now: later)
        detector.requestStarted(endpoint: 0, now: later)
        #expect(detector.record(endpoint: 0, outcome: .cancelled, now: later) == nil)
        #expect(detector.unavailableEndpoints(now: later).isEmpty)
        #expect(detector.state(of: 0) == .probing)
    }

    @Test func resultsOfRequestsSentBeforeTheEjectionAreIgnored() {
        var detector = OutlierDetector(endpointCount: 2, configuration: config())
        for _ in 0..<3 { detector.requestStarted(endpoint: 0, now: 0) }
        send(Array(repeating: Self.fail, count: 5), to: 0, &detector)
        #expect(detector.record(endpoint: 0, outcome: Self.fail, now: 1) == nil)
        #expect(detector.record(endpoint: 0, outcome: Self.ok, now: 2) == nil)
        #expect(detector.state(of: 0) == .ejected(until: 30 * Self.second))
    }

    @Test func maxEjectionPercentBlocksTheThirdEjectionOfFourAtFiftyPercent() {
        var detector = OutlierDetector(endpointCount: 4, configuration: config(maxEjectionPercent: 50))
        let five = Array(repeating: Self.fail, count: 5)
        send(five, to: 0, &detector)
        send(five, to: 1, &detector)
        let blocked = send(five, to: 2, &detector)
        #expect(blocked == .ejectionBlocked(endpoint: 2, reason: .consecutive5xx))
        #expect(detector.unavailableEndpoints(now: 0) == [0, 1])
        #expect(detector.ejectionsBlocked == 1)
        // Once endpoint 0 is back, endpoint 2's next failure ejects it.
        let later = 30 * Self.second
        _ = detector.unavailableEndpoints(now: later)
        send([Self.ok], to: 0, &detector, now: later)
        let event = send([Self.fail], to: 2, &detector, now: later)
        #expect(event == .ejected(endpoint: 2, reason: .consecutive5xx, duration: 30 * Self.second, multiplier: 1))
    }

    @Test func atLeastOneMayBeEjectedAndOneAlwaysStays() {
        let five = Array(repeating: Self.fail, count: 5)
        // Envoy's default 10% of 3 endpoints rounds to 0, but one may always be ejected.
        var three = OutlierDetector(endpointCount: 3)
        #expect(three.maxEjectable == 1)
        send(five, to: 0, &three)
        #expect(send(five, to: 1, &three) == .ejectionBlocked(endpoint: 1, reason: .consecutive5xx))
        // A lone endpoint below 100% is never ejected.
        var single = OutlierDetector(endpointCount: 1, configuration: config(maxEjectionPercent: 99))
        #expect(send(five, to: 0, &single) == .ejectionBlocked(endpoint: 0, reason: .consecutive5xx))
        #expect(single.unavailableEndpoints(now: 0).isEmpty)
        // At 100% everything can go, and the balancer then has nothing to pick: the proxy answers 503.
        var all = OutlierDetector(endpointCount: 2, configuration: config(maxEjectionPercent: 100))
        send(five, to: 0, &all)
        send(five, to: 1, &all)
        var balancer = RoundRobin(endpointCount: 2)
        var rng = SplitMix64(seed: 1)
        #expect(balancer.pick(excluding: all.unavailableEndpoints(now: 0), now: 0, using: &rng) == nil)
    }

    @Test func timeBackInServiceEarnsTheMultiplierDown() {
        var detector = OutlierDetector(endpointCount: 2, configuration: config())
        let five = Array(repeating: Self.fail, count: 5)
        send(five, to: 0, &detector)  // 1×, until 30 s
        var now = 30 * Self.second
        _ = detector.unavailableEndpoints(now: now)
        send([Self.ok], to: 0, &detector, now: now)  // back at 30 s
        now += 5 * Self.second
        // Ejected again 5 s later: not yet a full decay interval (10 s), so 2×.
        #expect(
            send(five, to: 0, &detector, now: now)
                == .ejected(endpoint: 0, reason: .consecutive5xx, duration: 60 * Self.second, multiplier: 2)
        )
        now += 60 * Self.second
        _ = detector.unavailableEndpoints(now: now)
        send([Self.ok], to: 0, &detector, now: now)
        now += 25 * Self.second
        // 25 s of good service takes two off the multiplier: 2 − 2 + 1 = 1×.
        #expect(
            send(five, to: 0, &detector, now: now)
                == .ejected(endpoint: 0, reason: .consecutive5xx, duration: 30 * Self.second, multiplier: 1)
        )
    }
}
