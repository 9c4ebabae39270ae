import Foundation
import Manifests
import MeshStore

/// The applied objects as the store holds them, loaded as their typed values: a pass does no YAML work and no
/// validation (each object was validated once, when it was applied, against the whole mesh).
struct MeshSnapshot: Sendable {
    var stored: [StoredObject]
    var objects: [ManifestObject]
    /// Problems decoding what is stored (only possible after a downgrade or a hand-edited database).
    var problems: [Diagnostic]
    /// Each object's typed bytes and value: an unchanged object (status writes, most passes) is not decoded again.
    var decoded: [MeshStore.ObjectKey: StoredManifests.Entry] = [:]
    /// Which of the loop's loads this is (`ReconcileLoop.snapshotLoads`): tells whether a compile came from it.
    var load = 0

    /// - Parameter previous: the last pass's snapshot, whose decoded objects are reused where the typed form is
    ///   unchanged.
    static func load(from store: any ObjectStore, reusing previous: MeshSnapshot? = nil) async throws -> MeshSnapshot {
        let stored = try await store.objects(kind: nil)
        let decoded = StoredManifests.decode(stored, reusing: previous?.decoded ?? [:])
        // Rows from before typed forms were kept: parsed this once, and never again.
        try await store.saveTypedForms(decoded.upgraded)
        return MeshSnapshot(stored: stored, objects: decoded.objects.map(\.object), problems: decoded.problems,
                            decoded: decoded.entries)
    }

    func stored(_ kind: ManifestKind, _ name: String) -> StoredObject? {
        stored.first { $0.key.kind == kind.rawValue && $0.key.name == name }
    }
}
