/// An object together with its source. Equality of the objects themselves ignores where they were read from.
public struct LoadedObject: Sendable, Hashable, Codable {
    public var object: ManifestObject
    public var source: ObjectSource

    public init(object: ManifestObject, source: ObjectSource) {
        self.object = object
        self.source = source
    }
}
