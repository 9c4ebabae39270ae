import Foundation
import Manifests
import MeshStore

/// Stored objects as typed manifest values: the one bridge between the kind-agnostic store and the manifest kinds.
enum StoredManifests {
    /// A decoded object and the typed bytes it came from: reused while a row's typed form is unchanged.
    typealias Entry = (typed: Data, loaded: LoadedObject)

    /// Each stored object decoded from its typed form (JSON, no YAML, no second validation), in the store's order.
    /// Rows whose typed form equals the one in `known` are not decoded again. Objects without a readable typed form
    /// (stored before it was kept) are decoded from their canonical spec instead and returned in `upgraded`, so the
    /// caller can save their typed form and never parse them again.
    static func decode(_ stored: [StoredObject], reusing known: [MeshStore.ObjectKey: Entry] = [:]) -> Decoded {
        var decoded = Decoded()
        var legacy: [StoredObject] = []
        var loaded: [MeshStore.ObjectKey: LoadedObject] = [:]
        for object in stored {
            guard let typed = object.typed else {
                legacy.append(object)
                continue
            }
            if let entry = known[object.key], entry.typed == typed {
                decoded.entries[object.key] = entry
            } else if let manifest = StoredManifest.decode(typed) {
                decoded.entries[object.key] = (typed, manifest.loaded)
            } else {
                legacy.append(object)
                continue
            }
            loaded[object.key] = decoded.entries[object.key]?.loaded
        }
        if !legacy.isEmpty {
            let upgraded = decodeLegacy(legacy)
            decoded.problems = upgraded.problems
            for (row, manifest) in upgraded.objects {
                loaded[row.key] = manifest.loaded
                decoded.upgraded.append((row.key, row.resourceVersion, manifest.encoded()))
            }
        }
        decoded.objects = stored.compactMap { loaded[$0.key] }
        return decoded
    }

    struct Decoded {
        var objects: [LoadedObject] = []
        /// Rows decoded from (or reused for) their typed form, for the next call's `reusing`.
        var entries: [MeshStore.ObjectKey: Entry] = [:]
        /// Problems decoding stored objects (only possible after a downgrade or a hand-edited database).
        var problems: [Diagnostic] = []
        /// Typed forms derived from the canonical spec, to be saved (`ObjectStore.saveTypedForms`).
        var upgraded: [(key: MeshStore.ObjectKey, resourceVersion: Int64, typed: Data)] = []
    }

    /// Rows without a typed form, parsed from their canonical spec (JSON is YAML) through the per-object checks.
    private static func decodeLegacy(_ rows: [StoredObject]) -> (objects: [(StoredObject, StoredManifest)], problems: [Diagnostic]) {
        let text = rows.map { object in
            "---\n" + ManifestObject.storedDocument(
                apiVersion: object.apiVersion, kind: object.key.kind, name: object.key.name, labels: object.labels,
                annotations: object.annotations, specJSON: String(decoding: object.spec, as: UTF8.self))
        }.joined()
        let (report, _) = ManifestSet.decode(
            sources: [ManifestSet.Source(file: "(store)", bytes: Array(text.utf8))],
            limits: YAMLLimits(maxBytes: 256 << 20, maxDepth: 128, maxNodes: 50_000_000))
        let byKey = Dictionary(rows.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        // The marks point into the rebuilt document, not a file anyone has: they are dropped.
        let source = ObjectSource(file: "(store)", mark: Mark(line: 1, column: 1))
        let objects = report.objects.compactMap { loaded in
            byKey[storeKey(loaded.object.key)].map { ($0, StoredManifest(object: loaded.object, source: source)) }
        }
        return (objects, report.diagnostics)
    }

    static func storeKey(_ key: Manifests.ObjectKey) -> MeshStore.ObjectKey {
        MeshStore.ObjectKey(kind: key.kind.rawValue, name: key.name)
    }

    /// nil for a kind this build does not know.
    static func manifestKey(_ key: MeshStore.ObjectKey) -> Manifests.ObjectKey? {
        ManifestKind(rawValue: key.kind).map { Manifests.ObjectKey(kind: $0, name: key.name) }
    }
}

/// The typed values of stored objects kept between writes, so each write's whole-mesh check decodes only the rows
/// whose typed form changed since the last write (for a weight change, one) instead of the whole mesh. Checks run
/// on the store's write queue; the lock keeps the cache safe all the same.
final class StoredManifestCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [MeshStore.ObjectKey: StoredManifests.Entry] = [:]

    func objects(_ stored: [StoredObject]) -> [LoadedObject] {
        let known = lock.withLock { entries }
        let decoded = StoredManifests.decode(stored, reusing: known)
        lock.withLock { entries = decoded.entries }
        return decoded.objects
    }
}
