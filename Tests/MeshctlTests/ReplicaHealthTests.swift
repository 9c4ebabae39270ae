import Manifests
import Testing

@testable import OperatorCore

/// A Service's healthCheck as the operator applies it to its replicas, on a fake clock with scripted probe results.
@Suite("replica health checks: interval and thresholds")
struct ReplicaHealthTests {
    let check = ReplicaHealth.Check(Service.HealthCheck(
        path: "/healthz", interval: .seconds(5), timeout: .milliseconds(300), healthyThreshold: 2, unhealthyThreshold: 3))

    /// Plays a scripted prober: at each time, probes only when due, and returns the healthy states seen.
    private func run(_ health: inout ReplicaHealth, _ script: [(time: Double, passes: Bool)]) -> [(Bool, Bool)] {
        script.map { step in
            let due = health.isDue("web-0", check: check, now: step.time)
            let healthy = due ? health.record("web-0", check: check, passed: step.passes, now: step.time)
                              : health.isHealthy("web-0")
            return (due, healthy)
        }
    }

    @Test func oneFailureKeepsTheReplicaInAndThreeInARowTakeItOut() {
        var health = ReplicaHealth()
        #expect(!health.isHealthy("web-0"), "not checked yet: not in")
        let seen = run(&health, [(0, true), (5, false), (10, true), (15, false), (20, false), (25, false)])
        #expect(seen.map(\.1) == [true, true, true, true, true, false])
    }

    @Test func healthyThresholdPassesInARowBringItBack() {
        var health = ReplicaHealth()
        _ = run(&health, [(0, true), (5, false), (10, false), (15, false)])
        #expect(!health.isHealthy("web-0"))
        let seen = run(&health, [(20, true), (25, false), (30, true), (35, true)])
        #expect(seen.map(\.1) == [false, false, false, true])
    }

    @Test func theIntervalIsRespectedOnceTheReplicaHasPassed() {
        var health = ReplicaHealth()
        // Starting: probed on every pass until the first pass, so it comes in as soon as it answers.
        #expect(run(&health, [(0, false), (0.25, false), (0.5, true)]).map(\.0) == [true, true, true])
        // Then every 5 s, whatever the pass rate.
        let seen = run(&health, [(1, false), (3, false), (5.4, false), (5.5, false), (7, false), (10.5, false)])
        #expect(seen.map(\.0) == [false, false, false, true, false, true])
        #expect(health.nextDue(after: 10.5) == 15.5)
    }

    @Test func aNewInstanceOrAChangedCheckStartsAfresh() {
        var health = ReplicaHealth()
        _ = run(&health, [(0, true)])
        let stricter = ReplicaHealth.Check(Service.HealthCheck(path: "/ready", interval: .seconds(1)))
        #expect(health.isDue("web-0", check: stricter, now: 0.1))
        health.retain([])
        #expect(!health.isHealthy("web-0"))
        #expect(health.nextDue(after: 0) == nil)
    }
}
