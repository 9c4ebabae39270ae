import Foundation

/// An object in its typed form, as the operator stores it beside the canonical spec: it decodes straight back into a
/// `ManifestObject` with no YAML and no second validation (it was validated once, when applied). `source` keeps the
/// file and field marks it was applied from, so a later write that breaks a reference can point at the stored
/// object's line.
public struct StoredManifest: Sendable, Hashable, Codable {
    /// Bumped when the kinds' encoding changes incompatibly: a row of another version is treated as having no typed
    /// form, decoded once more from its canonical spec, and rewritten.
    public static let currentVersion = 2  // 2: Service.spec.appProtocol

    public var version: Int
    public var object: ManifestObject
    public var source: ObjectSource?

    public init(_ loaded: LoadedObject) {
        version = Self.currentVersion
        object = loaded.object
        source = loaded.source
    }

    public init(object: ManifestObject, source: ObjectSource?) {
        version = Self.currentVersion
        self.object = object
        self.source = source
    }

    /// The object with its source; one applied before sources were kept points at `(store)`.
    public var loaded: LoadedObject {
        LoadedObject(object: object, source: source ?? ObjectSource(file: "(store)", mark: Mark(line: 1, column: 1)))
    }

    /// Deterministic JSON (sorted keys), so equal objects store equal bytes.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every field is a plain value (strings, numbers, Durations): encoding cannot fail.
        return (try? encoder.encode(self)) ?? Data()
    }

    /// The typed form in `data`, or nil when it is missing, unreadable or of another version.
    public static func decode(_ data: Data?) -> StoredManifest? {
        guard let data, !data.isEmpty,
              let stored = try? JSONDecoder().decode(StoredManifest.self, from: data),
              stored.version == currentVersion
        else { return nil }
        return stored
    }
}
