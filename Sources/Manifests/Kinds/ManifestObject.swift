/// One decoded, schema-checked manifest of any kind.
public enum ManifestObject: Sendable, Hashable {
    case service(Service)
    case trafficSplit(TrafficSplit)
    case httpRouteGroup(HTTPRouteGroup)
    case retryPolicy(RetryPolicy)
    case rollout(Rollout)

    public var kind: ManifestKind {
        switch self {
        case .service: .service
        case .trafficSplit: .trafficSplit
        case .httpRouteGroup: .httpRouteGroup
        case .retryPolicy: .retryPolicy
        case .rollout: .rollout
        }
    }

    public var apiVersion: String {
        switch self {
        case .service(let object): object.apiVersion
        case .trafficSplit(let object): object.apiVersion
        case .httpRouteGroup(let object): object.apiVersion
        case .retryPolicy(let object): object.apiVersion
        case .rollout(let object): object.apiVersion
        }
    }

    public var metadata: ObjectMeta {
        switch self {
        case .service(let object): object.metadata
        case .trafficSplit(let object): object.metadata
        case .httpRouteGroup(let object): object.metadata
        case .retryPolicy(let object): object.metadata
        case .rollout(let object): object.metadata
        }
    }

    public var name: String { metadata.name }
}

/// Where an object came from, so that errors found across objects still point at file:line:column.
public struct ObjectSource: Sendable, Hashable {
    public var file: String
    /// Where the object starts.
    public var mark: Mark
    /// Marks of names, references and ports, by field path (`spec.backends[1].service`).
    public var fieldMarks: [String: Mark]

    public init(file: String, mark: Mark, fieldMarks: [String: Mark] = [:]) {
        self.file = file
        self.mark = mark
        self.fieldMarks = fieldMarks
    }

    /// The mark of a field, or of the object when the field was not recorded.
    public func mark(of path: String) -> Mark {
        fieldMarks[path] ?? mark
    }
}

/// An object together with its source. Equality of the objects themselves ignores where they were read from.
public struct LoadedObject: Sendable, Hashable {
    public var object: ManifestObject
    public var source: ObjectSource

    public init(object: ManifestObject, source: ObjectSource) {
        self.object = object
        self.source = source
    }
}
