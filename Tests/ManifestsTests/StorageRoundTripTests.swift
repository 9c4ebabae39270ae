import Foundation
import Testing

@testable import Manifests

@Suite("stored form round trip")
struct StorageRoundTripTests {
    /// The operator stores apiVersion, kind, metadata and the spec JSON apart; rebuilt, they load to the same object.
    @Test(arguments: ["canary", "blue-green", "retries"])
    func storedPartsRebuildTheSameObjects(example: String) throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/\(example)").path
        let report = ManifestSet.load(paths: [directory])
        #expect(report.isValid)
        let documents = report.objects.map { loaded in
            let object = loaded.object
            return ManifestObject.storedDocument(
                apiVersion: object.apiVersion, kind: object.kind.rawValue, name: object.name,
                labels: object.metadata.labels, annotations: object.metadata.annotations, specJSON: object.specJSON)
        }
        let rebuilt = ManifestSet.load(sources: [
            ManifestSet.Source(file: "store", bytes: Array(documents.map { "---\n" + $0 }.joined().utf8))
        ])
        #expect(rebuilt.diagnostics.isEmpty, "\(rebuilt.diagnostics)")
        #expect(Set(rebuilt.objects.map(\.object)) == Set(report.objects.map(\.object)))
    }
}
