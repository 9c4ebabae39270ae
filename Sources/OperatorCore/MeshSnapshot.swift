import Foundation
import Manifests
import MeshStore

/// The applied objects as the store holds them, decoded back into manifest kinds through the same checks `apply`
/// ran (stored specs are canonical JSON, and JSON is YAML).
struct MeshSnapshot: Sendable {
    var stored: [StoredObject]
    var objects: [ManifestObject]
    /// Problems decoding what is stored (only possible after a downgrade or a hand-edited database).
    var problems: [Diagnostic]
    /// The documents `objects` were decoded from: a pass whose stored specs read the same reuses the decoded objects.
    var text = ""

    /// - Parameter previous: the last pass's snapshot; when the stored documents are unchanged (status writes and
    ///   most passes), its decoded objects are reused instead of parsing and validating everything again.
    static func load(from store: any ObjectStore, reusing previous: MeshSnapshot? = nil) async throws -> MeshSnapshot {
        let stored = try await store.objects(kind: nil)
        guard !stored.isEmpty else { return MeshSnapshot(stored: [], objects: [], problems: []) }
        var text = ""
        for object in stored {
            text += "---\n" + ManifestObject.storedDocument(
                apiVersion: object.apiVersion, kind: object.key.kind, name: object.key.name, labels: object.labels,
                annotations: object.annotations, specJSON: String(decoding: object.spec, as: UTF8.self))
        }
        if let previous, previous.text == text {
            return MeshSnapshot(stored: stored, objects: previous.objects, problems: previous.problems, text: text)
        }
        let report = ManifestSet.load(sources: [ManifestSet.Source(file: "(store)", bytes: Array(text.utf8))],
                                      limits: YAMLLimits(maxBytes: 256 << 20, maxDepth: 128, maxNodes: 50_000_000))
        return MeshSnapshot(stored: stored, objects: report.objects.map(\.object), problems: report.diagnostics,
                            text: text)
    }

    func stored(_ kind: ManifestKind, _ name: String) -> StoredObject? {
        stored.first { $0.key.kind == kind.rawValue && $0.key.name == name }
    }
}
