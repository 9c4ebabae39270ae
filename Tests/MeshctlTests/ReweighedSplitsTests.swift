import Manifests
import Testing

@testable import OperatorCore

/// What counts as a change of split weights alone (`ReconcileLoop.reweighedSplits`), which the loop carries before
/// the rest of its pass: only TrafficSplits whose backends keep their services and order, nothing else changed.
@Suite("reweighed splits")
struct ReweighedSplitsTests {
    private func split(_ weights: [(String, Int)], labels: [String: String] = [:]) -> ManifestObject {
        var meta = ObjectMeta(name: "web")
        meta.labels = labels
        return .trafficSplit(TrafficSplit(metadata: meta, spec: .init(
            service: "web", backends: weights.map { TrafficSplit.Backend(service: $0.0, weight: $0.1) })))
    }

    private let service = ManifestObject.service(Service(metadata: ObjectMeta(name: "web"), spec: Service.Spec(port: 9000)))

    @Test func weightsAloneAreCarriedAndAnythingElseIsNot() {
        let before = [service, split([("v1", 90), ("v2", 10)])]
        let reweighed = ReconcileLoop.reweighedSplits(from: before, to: [service, split([("v1", 50), ("v2", 50)])])
        #expect(reweighed?.map(\.spec.backends.last?.weight) == [50])
        #expect(ReconcileLoop.reweighedSplits(from: before, to: before) == nil, "no change")
        #expect(ReconcileLoop.reweighedSplits(from: before, to: [service, split([("v1", 50), ("v3", 50)])]) == nil,
                "a backend moved")
        #expect(ReconcileLoop.reweighedSplits(from: before, to: [service, split([("v1", 50)])]) == nil, "a backend gone")
        #expect(ReconcileLoop.reweighedSplits(
            from: before, to: [service, split([("v1", 50), ("v2", 50)], labels: ["step": "2"])]) == nil, "a label too")
        let moved = ManifestObject.service(Service(metadata: ObjectMeta(name: "web"), spec: Service.Spec(port: 9001)))
        #expect(ReconcileLoop.reweighedSplits(from: before, to: [moved, split([("v1", 50), ("v2", 50)])]) == nil,
                "a Service changed in the same write")
        #expect(ReconcileLoop.reweighedSplits(from: before, to: before + [service]) == nil, "an object more")
    }
}
