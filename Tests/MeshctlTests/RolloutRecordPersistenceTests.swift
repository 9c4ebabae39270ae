import Foundation
import Manifests
import MeshStore
import Reconciler
import Testing

@testable import OperatorCore

/// The rollout record is saved while an analysis window is open on real traffic: its counters hold the latency
/// histogram's `+Inf` bucket, which JSON cannot hold as a number (the record silently stopped being saved, and a
/// restarted operator resumed a stale rollout).
@Suite("rollout record persistence")
struct RolloutRecordPersistenceTests {
    private let metrics = """
        mesh_requests_total{service="local:web-v2",backend="127.0.0.1:1",code="2xx"} 90
        mesh_request_duration_seconds_bucket{service="local:web-v2",le="0.005"} 50
        mesh_request_duration_seconds_bucket{service="local:web-v2",le="+Inf"} 90
        """

    private func record() -> RolloutRecord {
        let spec = Rollout.Spec(trafficSplit: "web", progressDeadline: .seconds(60), strategy: .canary(.init(
            stableService: "web-v1", canaryService: "web-v2", progression: .steps([.setWeight(20)]),
            analysis: Rollout.Analysis(interval: .seconds(10), threshold: 2, minRequests: 10))))
        let stable = RolloutRecord.Workload(Service.Command(argv: ["meshctl", "demo-app"], replicas: 1))
        let machine = RolloutMachine(spec: spec, stableRevision: stable.revision, now: 1_796_533_150)
        var counters = ServiceCounters()
        counters.add(metrics: metrics, localService: "local:web-v2")
        return RolloutRecord(state: machine.state, workloads: [stable.revision: stable], windowCounters: counters)
    }

    @Test func aRecordWithAnOpenWindowOnTrafficIsSavedAndReadBack() async throws {
        let original = record()
        #expect(original.windowCounters?.buckets[.infinity] == 90)
        let data = try JSONEncoder().encode(original)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rr-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try SQLiteStore(stateDirectory: root)
        defer { try? store.close() }
        _ = try await store.apply([ApplyObject(kind: "Rollout", name: "web", spec: "{}")])
        try await store.saveRollout(name: "web", stepIndex: 0, state: data, historyEntry: nil, status: nil)
        let stored = try #require(try await store.rollout(named: "web"))
        let decoded = try JSONDecoder().decode(RolloutRecord.self, from: stored.state)
        #expect(decoded.windowCounters == original.windowCounters)
        #expect(decoded.state == original.state)
    }

    @Test func countersSavedBeforeTheFixStillDecode() throws {
        // The default encoding of [Double: Double]: alternating keys and values (it only worked without +Inf).
        let legacy = #"{"requests":90,"failures":0,"buckets":[0.005,50,0.01,90]}"#
        let counters = try JSONDecoder().decode(ServiceCounters.self, from: Data(legacy.utf8))
        #expect(counters.requests == 90 && counters.buckets == [0.005: 50, 0.01: 90])
    }
}
