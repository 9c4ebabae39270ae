import Manifests
import Testing

@testable import OperatorCore

/// The autoscaling decision on scripted counters and a fake clock: no process, no sleep.
@Suite("replica autoscaler")
struct ReplicaAutoscalerTests {
    private let policy = Service.Autoscale(min: 1, max: 4, targetRPSPerReplica: 10, scaleDownStabilization: .seconds(5))

    /// Scripted cumulative counts per sidecar, as `GET /metrics` would give them.
    private final class FakeCounts: RequestCountSource, @unchecked Sendable {
        var counts: [String: Double] = [:]
        var asked: [[String]] = []
        func requestCounts(service: String, sidecars: [(id: String, adminPort: Int)]) async -> [String: Double] {
            asked.append(sidecars.map(\.id))
            return counts.filter { id, _ in sidecars.contains { $0.id == id } }
        }
    }

    @Test func scalesUpAtOnceToTheRateAndClampsToMax() {
        var scaler = ReplicaAutoscaler(current: 1, policy: policy)
        #expect(scaler.sample(counts: ["a": 0], now: 0, policy: policy).reason == "autoscale 1-4: 1, measuring")
        let up = scaler.sample(counts: ["a": 35], now: 1, policy: policy)
        #expect(up.replicas == 4 && up.requestsPerSecond == 35)
        #expect(up.reason == "autoscale 1-4: 4 (35.0 rps at 10.0 per replica)")
        // A new sidecar counts from zero; one that went away adds nothing; a restarted one (lower count) neither.
        let more = scaler.sample(counts: ["a": 40, "b": 100, "c": 0], now: 2, policy: policy)
        #expect(more.requestsPerSecond == 105 && more.replicas == 4, "clamped to max")
    }

    @Test func scalesDownOnlyAfterTheStabilizationWindowAndNotWithinTolerance() {
        var scaler = ReplicaAutoscaler(current: 1, policy: policy)
        _ = scaler.sample(counts: ["a": 0], now: 0, policy: policy)
        #expect(scaler.sample(counts: ["a": 30], now: 1, policy: policy).replicas == 3)
        // 31 rps against 30 served: within 10 %, no change.
        #expect(scaler.sample(counts: ["a": 61], now: 2, policy: policy).replicas == 3)
        // The load stops: recommendation 1, held while any recommendation of the last 5 s says 3.
        var counts = 61.0
        var held: [Int] = []
        for second in 3...6 {
            counts += 0
            held.append(scaler.sample(counts: ["a": counts], now: Double(second), policy: policy).replicas)
        }
        #expect(held == [3, 3, 3, 3])
        let holding = scaler.decide(now: 6.5, policy: policy)
        #expect(holding.reason.hasPrefix("autoscale 1-4: 3, 1 once the rate stays low for 5s"), "\(holding.reason)")
        #expect(scaler.sample(counts: ["a": counts], now: 7.5, policy: policy).replicas == 1, "5 s after the last 3")
    }

    @Test func aBriefDipDoesNotRemoveReplicas() {
        var scaler = ReplicaAutoscaler(current: 1, policy: policy)
        _ = scaler.sample(counts: ["a": 0], now: 0, policy: policy)
        var total = 0.0
        var replicas: [Int] = []
        // 40 rps, a one-second dip to 0, then 40 again: never below 4.
        for (second, rate) in [(1, 40.0), (2, 40), (3, 0), (4, 40), (5, 40)] {
            total += rate
            replicas.append(scaler.sample(counts: ["a": total], now: Double(second), policy: policy).replicas)
        }
        #expect(replicas == [4, 4, 4, 4, 4])
    }

    @Test func theDriverSamplesOncePerSecondAndForgetsServicesNoLongerAutoscaled() async {
        let source = FakeCounts()
        var autoscaling = ServiceAutoscaling()
        let target = ServiceAutoscaling.Target(name: "web", policy: policy, running: 2,
                                               sidecars: [(id: "s0", adminPort: 1), (id: "s1", adminPort: 2)])
        source.counts = ["s0": 0, "s1": 0]
        let first = await autoscaling.step([target], source: source, now: 0, sample: true)
        #expect(first.isEmpty && autoscaling.decisions["web"]?.replicas == 2, "starts from what runs")
        source.counts = ["s0": 20, "s1": 25]
        _ = await autoscaling.step([target], source: source, now: 0.5, sample: true)
        #expect(source.asked.count == 1, "not due yet: the last decision holds")
        let changed = await autoscaling.step([target], source: source, now: 1, sample: true)
        #expect(changed.map(\.service) == ["web"] && changed.first?.from == 2 && changed.first?.decision.replicas == 4)
        _ = await autoscaling.step([target], source: source, now: 3, sample: false)
        #expect(source.asked.count == 2, "a quick pass takes no sample")
        _ = await autoscaling.step([], source: source, now: 4, sample: true)
        #expect(autoscaling.decisions.isEmpty && autoscaling.scalers.isEmpty)
    }
}
