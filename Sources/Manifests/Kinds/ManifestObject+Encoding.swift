extension ManifestObject {
    /// The canonical form of the object, every default filled in; see `ManifestEncoder` to print it.
    public var canonical: CanonicalValue {
        switch self {
        case .service(let object): object.canonical
        case .trafficSplit(let object): object.canonical
        case .httpRouteGroup(let object): object.canonical
        case .retryPolicy(let object): object.canonical
        case .faultInjection(let object): object.canonical
        case .httpRoute(let object): object.canonical
        case .authorizationPolicy(let object): object.canonical
        case .rollout(let object): object.canonical
        case .gateway(let object): object.canonical
        case .gatewayClass(let object): object.canonical
        case .rateLimit(let object): object.canonical
        }
    }

    static func envelope(apiVersion: String, kind: ManifestKind, metadata: ObjectMeta, spec: CanonicalValue)
        -> CanonicalValue
    {
        var meta = CanonicalMap()
        meta.add("name", .string(metadata.name))
        meta.add("namespace", metadata.namespace)
        meta.add("labels", metadata.labels)
        meta.add("annotations", metadata.annotations)
        return .map([
            .init("apiVersion", .string(apiVersion)),
            .init("kind", .string(kind.rawValue)),
            .init("metadata", meta.value),
            .init("spec", spec),
        ])
    }
}
