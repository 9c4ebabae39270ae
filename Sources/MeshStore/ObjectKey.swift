/// Identifies one stored object: its manifest kind and `metadata.name`, as Kubernetes does within a namespace.
public struct ObjectKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The manifest kind, for example `Service` or `TrafficSplit`.
    public var kind: String
    /// The object's `metadata.name`.
    public var name: String

    public init(kind: String, name: String) {
        self.kind = kind
        self.name = name
    }

    /// `Kind/name`, the form kubectl prints.
    public var description: String { "\(kind)/\(name)" }

    public static func < (lhs: ObjectKey, rhs: ObjectKey) -> Bool {
        (lhs.kind, lhs.name) < (rhs.kind, rhs.name)
    }
}
