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
    var decoded: [MeshStore.ObjectKey: (typed: Data, object: ManifestObject)] = [:]

    /// - Parameter previous: the last pass's snapshot, whose decoded objects are reused where the typed form is
    ///   unchanged.
    static func load(from store: any ObjectStore, reusing previous: MeshSnapshot? = nil) async throws -> MeshSnapshot {
        let stored = try await store.objects(kind: nil)
        var snapshot = MeshSnapshot(stored: stored, objects: [], problems: [])
        var fresh: [StoredObject] = []
        for object in stored {
            if let typed = object.typed, let known = previous?.decoded[object.key], known.typed == typed {
                snapshot.decoded[object.key] = known
            } else {
                fresh.append(object)
            }
        }
        let decoded = StoredManifests.decode(fresh)
        let typedForms = Dictionary(fresh.map { ($0.key, $0.typed ?? Data()) }, uniquingKeysWith: { first, _ in first })
        for loaded in decoded.objects {
            let key = StoredManifests.storeKey(loaded.object.key)
            snapshot.decoded[key] = (typedForms[key] ?? Data(), loaded.object)
        }
        snapshot.problems = decoded.problems
        // Rows from before typed forms were kept: parsed this once, and never again.
        try await store.saveTypedForms(decoded.upgraded)
        snapshot.objects = stored.compactMap { snapshot.decoded[$0.key]?.object }
        return snapshot
    }

    func stored(_ kind: ManifestKind, _ name: String) -> StoredObject? {
        stored.first { $0.key.kind == kind.rawValue && $0.key.name == name }
    }
}
