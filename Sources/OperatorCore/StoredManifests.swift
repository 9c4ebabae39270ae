import Foundation
import Manifests
import MeshStore

/// Stored objects as typed manifest values: the one bridge between the kind-agnostic store and the manifest kinds.
enum StoredManifests {
    /// Each stored object decoded from its typed form (JSON, no YAML, no second validation). Objects without a
    /// readable one (stored before it was kept) are decoded from their canonical spec instead, once, and returned in
    /// `upgraded` so the caller can save their typed form.
    static func decode(_ stored: [StoredObject]) -> Decoded {
        var decoded = Decoded()
        var legacy: [StoredObject] = []
        for object in stored {
            if let typed = StoredManifest.decode(object.typed) {
                decoded.objects.append(typed.loaded)
            } else {
                legacy.append(object)
            }
        }
        guard !legacy.isEmpty else { return decoded }
        let text = legacy.map { object in
            "---\n" + ManifestObject.storedDocument(
                apiVersion: object.apiVersion, kind: object.key.kind, name: object.key.name, labels: object.labels,
                annotations: object.annotations, specJSON: String(decoding: object.spec, as: UTF8.self))
        }.joined()
        let (report, _) = ManifestSet.decode(
            sources: [ManifestSet.Source(file: "(store)", bytes: Array(text.utf8))],
            limits: YAMLLimits(maxBytes: 256 << 20, maxDepth: 128, maxNodes: 50_000_000))
        decoded.problems = report.diagnostics
        let source = ObjectSource(file: "(store)", mark: Mark(line: 1, column: 1))
        let rows = Dictionary(legacy.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        for loaded in report.objects {
            // The marks point into the rebuilt document, not a file anyone has: drop them.
            let typed = StoredManifest(object: loaded.object, source: source)
            decoded.objects.append(typed.loaded)
            if let row = rows[storeKey(loaded.object.key)] {
                decoded.upgraded.append((row.key, row.resourceVersion, typed.encoded()))
            }
        }
        // Keep the store's order (kind, then name) whichever way each object was decoded.
        decoded.objects.sort { storeKey($0.object.key) < storeKey($1.object.key) }
        return decoded
    }

    struct Decoded {
        var objects: [LoadedObject] = []
        /// Problems decoding stored objects (only possible after a downgrade or a hand-edited database).
        var problems: [Diagnostic] = []
        /// Typed forms derived from the canonical spec, to be saved (`ObjectStore.saveTypedForms`).
        var upgraded: [(key: MeshStore.ObjectKey, resourceVersion: Int64, typed: Data)] = []
    }

    static func storeKey(_ key: Manifests.ObjectKey) -> MeshStore.ObjectKey {
        MeshStore.ObjectKey(kind: key.kind.rawValue, name: key.name)
    }

    /// nil for a kind this build does not know.
    static func manifestKey(_ key: MeshStore.ObjectKey) -> Manifests.ObjectKey? {
        ManifestKind(rawValue: key.kind).map { Manifests.ObjectKey(kind: $0, name: key.name) }
    }
}
