import Testing
import TrafficPolicy

/// Milliseconds as the balancers' nanoseconds.
private func ms(_ value: Double) -> UInt64 { UInt64(value * 1_000_000) }

/// Picks `count` times, finishing each request at once with the latency `latency(endpoint)`, and returns how
/// often each endpoint was chosen. Time advances 1 ms per request.
private func drive(
    _ balancer: inout some LoadBalancer,
    picks count: Int,
    excluding excluded: EndpointSet = [],
    seed: UInt64 = 1,
    startTime: UInt64 = 0,
    latency: (Int) -> UInt64 = { _ in 1_000_000 },
    outcome: (Int) -> AttemptOutcome = { _ in .response(status: 200) }
) -> [Int] {
    var rng = SplitMix64(seed: seed)
    var chosen = Array(repeating: 0, count: balancer.endpointCount)
    var now = startTime
    for _ in 0..<count {
        guard let endpoint = balancer.pick(excluding: excluded, now: now, using: &rng) else { continue }
        chosen[endpoint] += 1
        balancer.requestStarted(endpoint: endpoint, now: now)
        now += latency(endpoint)
        balancer.requestFinished(endpoint: endpoint, latency: latency(endpoint), outcome: outcome(endpoint), now: now)
    }
    return chosen
}

@Suite struct RoundRobinTests {
    @Test func visitsEachEndpointInTurn() {
        var rr = RoundRobin(endpointCount: 3, startingAt: 1)
        var rng = SplitMix64(seed: 1)
        let order = (0..<6).compactMap { _ in rr.pick(excluding: [], now: 0, using: &rng) }
        #expect(order == [1, 2, 0, 1, 2, 0])
    }

    @Test func skipsExcludedEndpointsAndReturnsNilWhenAllAre() {
        var rr = RoundRobin(endpointCount: 3)
        var rng = SplitMix64(seed: 1)
        let order = (0..<4).compactMap { _ in rr.pick(excluding: [1], now: 0, using: &rng) }
        #expect(order == [0, 2, 0, 2])
        #expect(rr.pick(excluding: [0, 1, 2], now: 0, using: &rng) == nil)
        var empty = RoundRobin(endpointCount: 0)
        #expect(empty.pick(excluding: [], now: 0, using: &rng) == nil)
    }
}

@Suite struct LeastRequestTests {
    @Test func avoidsTheBusyEndpoint() {
        var balancer = LeastRequest(endpointCount: 4)
        for _ in 0..<10 { balancer.requestStarted(endpoint: 2, now: 0) }
        let chosen = drive(&balancer, picks: 1_000)
        // Two distinct candidates are compared, so the busy one always loses.
        #expect(chosen[2] == 0)
        for endpoint in [0, 1, 3] { #expect(chosen[endpoint] > 250) }
        #expect(balancer.inFlight == [0, 0, 10, 0])
    }

    @Test func neverPicksAnExcludedEndpoint() {
        var balancer = LeastRequest(endpointCount: 5)
        let chosen = drive(&balancer, picks: 500, excluding: [0, 3])
        #expect(chosen[0] == 0 && chosen[3] == 0)
        #expect(chosen.reduce(0, +) == 500)
        var rng = SplitMix64(seed: 3)
        #expect(balancer.pick(excluding: [0, 1, 2, 4], now: 0, using: &rng) == 3)
        #expect(balancer.pick(excluding: [0, 1, 2, 3, 4], now: 0, using: &rng) == nil)
    }

    @Test func finishingMoreThanStartedNeverGoesNegative() {
        var balancer = LeastRequest(endpointCount: 2)
        balancer.requestFinished(endpoint: 0, latency: 0, outcome: .cancelled, now: 0)
        balancer.requestStarted(endpoint: 7, now: 0)  // stale index from an old config: ignored
        #expect(balancer.inFlight == [0, 0])
    }
}

@Suite struct PeakEWMATests {
    @Test func prefersTheFastEndpoint() {
        var balancer = PeakEWMA(endpointCount: 2)
        let chosen = drive(&balancer, picks: 1_000, latency: { $0 == 0 ? ms(50) : ms(1) })
        // Each endpoint is tried until measured; after that the 1 ms one wins every comparison.
        #expect(chosen[1] > 950, "fast endpoint got \(chosen[1]) of 1000")
    }

    @Test func prefersTheFastEndpointAmongMany() {
        var balancer = PeakEWMA(endpointCount: 5)
        let chosen = drive(&balancer, picks: 1_000, latency: { $0 == 3 ? ms(2) : ms(20) })
        // With 5 endpoints the fast one is among the two candidates 40% of the time and then always wins.
        #expect(chosen[3] > 330, "fast endpoint got \(chosen[3]) of 1000")
        for endpoint in [0, 1, 2, 4] { #expect(chosen[endpoint] < chosen[3]) }
    }

    @Test func weighsRequestsInFlight() {
        var balancer = PeakEWMA(endpointCount: 2)
        for _ in 0..<5 { balancer.requestStarted(endpoint: 0, now: 0) }
        let chosen = drive(&balancer, picks: 100)
        #expect(chosen[0] == 0)
        #expect(balancer.inFlight(of: 0) == 5)
    }

    @Test func aFastFailingEndpointDoesNotAttractTraffic() {
        var balancer = PeakEWMA(endpointCount: 2)
        // Endpoint 0 answers 503 in 0.5 ms; endpoint 1 answers 200 in 10 ms.
        let chosen = drive(
            &balancer,
            picks: 1_000,
            latency: { $0 == 0 ? ms(0.5) : ms(10) },
            outcome: { $0 == 0 ? .response(status: 503) : .response(status: 200) }
        )
        #expect(chosen[1] > 950, "healthy endpoint got \(chosen[1]) of 1000")
    }

    @Test func aSlowEndpointIsTriedAgainOnceItsEstimateDecaysBelowTheOthers() throws {
        var balancer = PeakEWMA(endpointCount: 2)
        var rng = SplitMix64(seed: 9)
        var picksOfSlow: [UInt64] = []  // times at which endpoint 0 (500 ms) was chosen
        // One request every 100 ms for 80 s; endpoint 1 keeps answering in 5 ms, so its estimate stays fresh
        // while endpoint 0's decays from 500 ms with the 10 s time constant: below 5 ms after 10 s × ln 100 ≈ 46 s.
        for step in 0..<800 {
            let now = UInt64(step) * ms(100)
            let endpoint = try #require(balancer.pick(excluding: [], now: now, using: &rng))
            if endpoint == 0 { picksOfSlow.append(now) }
            balancer.requestStarted(endpoint: endpoint, now: now)
            let latency = endpoint == 0 ? ms(500) : ms(5)
            balancer.requestFinished(endpoint: endpoint, latency: latency, outcome: .response(status: 200), now: now)
        }
        #expect(picksOfSlow.first == 0 || picksOfSlow.first == ms(100))  // measured once at the start
        let retried = picksOfSlow.dropFirst()
        #expect(retried.count >= 1, "never tried the slow endpoint again")
        #expect(retried.allSatisfy { $0 > ms(40_000) }, "tried again too early: \(retried)")
    }

    @Test func estimateJumpsToPeaksAndEasesDownOverTheDecayTime() throws {
        var balancer = PeakEWMA(endpointCount: 1)
        balancer.requestStarted(endpoint: 0, now: 0)
        balancer.requestFinished(endpoint: 0, latency: ms(10), outcome: .response(status: 200), now: 0)
        balancer.requestStarted(endpoint: 0, now: 0)
        balancer.requestFinished(endpoint: 0, latency: ms(100), outcome: .response(status: 200), now: ms(1))
        #expect(balancer.latencyEstimate(of: 0, now: ms(1)) == Double(ms(100)))
        // A 10 ms sample 1 s later moves it only part of the way down (1 - e^-0.1 ≈ 10% of the gap).
        balancer.requestStarted(endpoint: 0, now: ms(1_001))
        balancer.requestFinished(endpoint: 0, latency: ms(10), outcome: .response(status: 200), now: ms(1_001))
        let estimate = try #require(balancer.latencyEstimate(of: 0, now: ms(1_001)))
        #expect(estimate > Double(ms(70)) && estimate < Double(ms(90)))
    }
}

@Suite struct PeakEWMANewEndpointTests {
    @Test func anUnmeasuredEndpointIsTriedAtOnceButOneRequestAtATime() {
        var balancer = PeakEWMA(endpointCount: 2)
        var rng = SplitMix64(seed: 5)
        balancer.requestStarted(endpoint: 0, now: 0)
        balancer.requestFinished(endpoint: 0, latency: ms(1), outcome: .response(status: 200), now: ms(1))
        // Endpoint 1 has never answered and is idle: it is chosen.
        #expect(balancer.pick(excluding: [], now: ms(1), using: &rng) == 1)
        balancer.requestStarted(endpoint: 1, now: ms(1))
        // While its first request is in flight, measured endpoint 0 takes everything, even with a queue.
        for _ in 0..<20 {
            #expect(balancer.pick(excluding: [], now: ms(1), using: &rng) == 0)
            balancer.requestStarted(endpoint: 0, now: ms(1))
        }
        #expect(balancer.latencyEstimate(of: 1, now: ms(1)) == nil)
    }
}

@Suite struct RetryPickTests {
    @Test(arguments: [LoadBalancerAlgorithm.roundRobin, .leastRequest, .default])
    func aRetryAvoidsTheEndpointThatJustFailed(algorithm: LoadBalancerAlgorithm) {
        var balancer = algorithm.makeBalancer(endpointCount: 3)
        var rng = SplitMix64(seed: 11)
        for attempt in 0..<300 {
            let failed = attempt % 3
            let retry = balancer.pick(excluding: [], avoiding: failed, now: 0, using: &rng)
            #expect(retry != nil && retry != failed)
        }
    }

    @Test(arguments: [LoadBalancerAlgorithm.roundRobin, .leastRequest, .default])
    func aRetryFallsBackToTheFailedEndpointWhenItIsTheOnlyOneLeft(algorithm: LoadBalancerAlgorithm) {
        var single = algorithm.makeBalancer(endpointCount: 1)
        var rng = SplitMix64(seed: 12)
        #expect(single.pick(excluding: [], avoiding: 0, now: 0, using: &rng) == 0)
        var three = algorithm.makeBalancer(endpointCount: 3)
        // 0 and 2 ejected, 1 just failed: 1 is still better than a 503.
        #expect(three.pick(excluding: [0, 2], avoiding: EndpointSet([1]), now: 0, using: &rng) == 1)
        #expect(three.pick(excluding: [0, 1, 2], avoiding: 1, now: 0, using: &rng) == nil)
    }
}
