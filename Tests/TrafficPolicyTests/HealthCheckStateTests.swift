import Testing
import TrafficPolicy

@Suite struct HealthCheckStateTests {
    @Test func theFirstPassMakesANewEndpointHealthy() {
        var state = HealthCheckState(healthyThreshold: 3, unhealthyThreshold: 2)
        #expect(state.status == .unhealthy)
        #expect(state.record(passed: true) == .healthy)
    }

    @Test func aNewEndpointThatFailsNeedsTheFullRunOfPasses() {
        var state = HealthCheckState(healthyThreshold: 2, unhealthyThreshold: 3)
        #expect(state.record(passed: false) == nil)
        #expect(state.record(passed: true) == nil)
        #expect(state.record(passed: true) == .healthy)
    }

    @Test func consecutiveFailuresFlipToUnhealthyAndAPassInBetweenResets() {
        var state = HealthCheckState(healthyThreshold: 2, unhealthyThreshold: 3)
        state.record(passed: true)
        let results = [false, false, true, false, false].map { state.record(passed: $0) }
        #expect(results.allSatisfy { $0 == nil })
        #expect(state.status == .healthy)
        #expect(state.record(passed: false) == .unhealthy)
        #expect(state.record(passed: true) == nil)
        #expect(state.record(passed: false) == nil)  // interrupted: the passes start over
        #expect(state.record(passed: true) == nil)
        #expect(state.record(passed: true) == .healthy)
    }
}
