/// Errors the store reports to its callers; each says which object and why, so the CLI can print it as is.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Optimistic concurrency failed for these objects; nothing was written.
    case conflict([Conflict])
    /// These objects cannot be stored (empty name, spec not a JSON object, listed twice); nothing was written.
    case invalidObjects([InvalidObject])
    /// The object does not exist.
    case notFound(ObjectKey)
    /// `prune` needs a source to know which objects belong to this apply.
    case pruneWithoutSource

    public struct Conflict: Sendable, Hashable, CustomStringConvertible {
        public var key: ObjectKey
        /// The resourceVersion the writer read (0: it expected the object not to exist).
        public var expected: Int64
        /// The resourceVersion stored now (nil: the object does not exist).
        public var actual: Int64?

        public init(key: ObjectKey, expected: Int64, actual: Int64?) {
            self.key = key
            self.expected = expected
            self.actual = actual
        }

        public var description: String {
            let now = actual.map { "is at resourceVersion \($0)" } ?? "does not exist"
            let then = expected == 0 ? "expected it not to exist" : "expected resourceVersion \(expected)"
            return "\(key): the object has been modified; \(then) but it \(now); re-read it and apply again"
        }
    }

    public struct InvalidObject: Sendable, Hashable, CustomStringConvertible {
        public var key: ObjectKey
        public var reason: String

        public init(key: ObjectKey, reason: String) {
            self.key = key
            self.reason = reason
        }

        public var description: String { "\(key): \(reason)" }
    }

    public var description: String {
        switch self {
        case .conflict(let conflicts):
            return "conflict, nothing applied:\n" + conflicts.map { "  \($0)" }.joined(separator: "\n")
        case .invalidObjects(let problems):
            return "invalid objects, nothing applied:\n" + problems.map { "  \($0)" }.joined(separator: "\n")
        case .notFound(let key):
            return "\(key) not found"
        case .pruneWithoutSource:
            return "apply --prune needs the source directory the objects come from"
        }
    }
}
