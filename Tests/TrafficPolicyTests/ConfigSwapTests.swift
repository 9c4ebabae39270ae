import Testing
import TrafficPolicy

/// A hot config swap rebuilds per-service state for the new endpoint list; what was learned about endpoints that
/// stay must survive it.
@Suite struct ConfigSwapTests {
    private static let second: UInt64 = 1_000_000_000

    @Test func mappingFollowsEndpointsByKey() {
        let mapping = EndpointMapping(from: ["a:1", "b:2", "c:3"], to: ["c:3", "d:4", "a:1"])
        #expect(mapping.oldIndex == [2, nil, 0])
        #expect(mapping.newCount == 3)
    }

    @Test func anEjectedEndpointStaysEjectedAcrossASwap() {
        var detector = OutlierDetector(endpointCount: 3, configuration: .init(maxEjectionPercent: 100))
        for _ in 0..<5 { detector.record(endpoint: 1, outcome: .response(status: 503), now: 0) }
        #expect(detector.unavailableEndpoints(now: 0) == [1])
        // Endpoint "a" (0) removed, a new one added at the end: old 1 is now 0.
        let mapping = EndpointMapping(oldIndex: [1, 2, nil])
        var swapped = OutlierDetector(
            carryingOver: detector,
            mapping: mapping,
            configuration: .init(maxEjectionPercent: 100)
        )
        #expect(swapped.unavailableEndpoints(now: 1) == [0])
        #expect(swapped.ejectedCount == 1)
        #expect(swapped.ejectionsTotal[.consecutive5xx] == 1)
        // Its penalty still ends on time and it is probed as before.
        #expect(swapped.unavailableEndpoints(now: 30 * Self.second).isEmpty)
        #expect(swapped.state(of: 0) == .probing)
    }

    @Test func latencyEstimatesSurviveASwap() throws {
        var balancer = PeakEWMA(endpointCount: 2)
        balancer.requestStarted(endpoint: 0, now: 0)
        balancer.requestStarted(endpoint: 1, now: 0)
        balancer.requestFinished(endpoint: 0, latency: 80_000_000, outcome: .response(status: 200), now: 0)
        balancer.requestFinished(endpoint: 1, latency: 2_000_000, outcome: .response(status: 200), now: 0)
        balancer.requestStarted(endpoint: 1, now: 0)  // still in flight at the swap
        let mapping = EndpointMapping(oldIndex: [1, 0])
        let swapped = PeakEWMA(carryingOver: balancer, mapping: mapping)
        #expect(swapped.latencyEstimate(of: 0, now: 0) == 2_000_000)
        #expect(swapped.latencyEstimate(of: 1, now: 0) == 80_000_000)
        #expect(swapped.inFlight(of: 0) == 0)  // in-flight requests report to the old balancer
        var algorithmSwapped = LoadBalancerAlgorithm.default.makeBalancer(carryingOver: balancer, mapping: mapping)
        var rng = SplitMix64(seed: 4)
        #expect(algorithmSwapped.pick(excluding: [], now: 0, using: &rng) == 0)
    }
}
