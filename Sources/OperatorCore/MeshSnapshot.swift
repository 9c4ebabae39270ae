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

    static func load(from store: any ObjectStore) async throws -> MeshSnapshot {
        let stored = try await store.objects(kind: nil)
        guard !stored.isEmpty else { return MeshSnapshot(stored: [], objects: [], problems: []) }
        var text = ""
        for object in stored {
            text += "---\n" + ManifestObject.storedDocument(
                apiVersion: object.apiVersion, kind: object.key.kind, name: object.key.name, labels: object.labels,
                annotations: object.annotations, specJSON: String(decoding: object.spec, as: UTF8.self))
        }
        let report = ManifestSet.load(sources: [ManifestSet.Source(file: "(store)", bytes: Array(text.utf8))],
                                      limits: YAMLLimits(maxBytes: 256 << 20, maxDepth: 128, maxNodes: 50_000_000))
        return MeshSnapshot(stored: stored, objects: report.objects.map(\.object), problems: report.diagnostics)
    }

    func stored(_ kind: ManifestKind, _ name: String) -> StoredObject? {
        stored.first { $0.key.kind == kind.rawValue && $0.key.name == name }
    }
}
