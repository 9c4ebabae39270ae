/// Collects everything one decoding pass finds wrong, so a user sees every problem at once, and remembers where the
/// fields that cross-object validation points at (names, references, ports) were written.
final class DecodeContext {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []
    /// Marks of selected fields of the object being decoded, by field path (`spec.backends[1].service`).
    var fieldMarks: [String: Mark] = [:]
    /// Kind and name of objects that failed to decode, so that cross-object checks do not pile "not defined" errors
    /// on top of the real one.
    var invalidObjects: Set<ObjectKey> = []

    init(file: String) {
        self.file = file
    }

    func error(_ mark: Mark, _ path: String, _ message: String) {
        diagnostics.append(Diagnostic(file: file, mark: mark, path: path, message: message))
    }

    var errorCount: Int { diagnostics.count }
}

/// Field paths are built only when needed (an error, a tracked field), never per field read.
enum FieldPath {
    static func child(_ base: String, _ key: String) -> String {
        base.isEmpty ? key : base + "." + key
    }

    static func index(_ base: String, _ index: Int) -> String {
        base + "[" + String(index) + "]"
    }
}

/// Kind and name: what identifies an object in an apply set.
public struct ObjectKey: Sendable, Hashable {
    public var kind: ManifestKind
    public var name: String

    public init(kind: ManifestKind, name: String) {
        self.kind = kind
        self.name = name
    }
}
