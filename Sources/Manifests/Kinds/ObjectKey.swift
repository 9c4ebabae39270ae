/// Kind and name: what identifies an object in an apply set.
public struct ObjectKey: Sendable, Hashable, Codable {
    public var kind: ManifestKind
    public var name: String

    public init(kind: ManifestKind, name: String) {
        self.kind = kind
        self.name = name
    }
}
