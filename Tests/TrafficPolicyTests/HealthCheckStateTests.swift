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

    @Test func endpointHealthKeepsTheUnhealthySet() {
        var health = EndpointHealth(endpointCount: 3, healthyThreshold: 1, unhealthyThreshold: 1)
        #expect(health.unhealthy == [0, 1, 2])
        health.record(endpoint: 0, passed: true)
        health.record(endpoint: 2, passed: true)
        #expect(health.unhealthy == [1])
        #expect(health.record(endpoint: 2, passed: false) == .unhealthy)
        #expect(health.unhealthy == [1, 2])
        #expect(health.status(of: 0) == .healthy)
    }
}

@Suite struct AdmissionControlTests {
    @Test func admitsThenQueuesThenRejects() {
        var limits = AdmissionControl(maxConcurrentRequests: 2, maxPendingRequests: 1)
        let admissions = (0..<4).map { _ in limits.admit() }
        #expect(admissions == [.proceed, .proceed, .queue, .reject])
        #expect(limits.rejected == 1)
        let slotFreed = limits.finished()
        #expect(slotFreed)  // a slot is free and one is waiting
        limits.dequeued()
        #expect(limits.active == 2 && limits.pending == 0)
        let nobodyWaiting = !limits.finished()
        #expect(nobodyWaiting)
        let next = limits.admit()
        #expect(next == .proceed)
    }

    @Test func queuedRequestsKeepTheirTurn() {
        var limits = AdmissionControl(maxConcurrentRequests: 1, maxPendingRequests: 2)
        let admissions = [limits.admit(), limits.admit()]
        #expect(admissions == [.proceed, .queue])
        let slotFreed = limits.finished()
        #expect(slotFreed)
        // A newcomer must not overtake the queued request while it is being dequeued.
        let newcomer = limits.admit()
        #expect(newcomer == .queue)
        limits.dequeued()
        limits.abandoned()
        #expect(limits.pending == 0 && limits.active == 1)
    }
}
