/// A local rate limit an HTTPRoute rule refers to with an `ExtensionRef` filter (`group: mesh.meshctl.dev, kind:
/// RateLimit, name`): a token bucket of `burst` requests refilled at `requestsPerSecond`, kept by each proxy that
/// routes the rule (the caller's sidecar or the gateway) for the requests that rule takes. Past it the proxy answers
/// 429 with `Retry-After`. Gateway API has no rate limit of its own; ExtensionRef is its way to add one.
public struct RateLimit: Sendable, Hashable, Codable {
    public var apiVersion: String
    public var metadata: ObjectMeta
    public var spec: Service.RateLimit

    public init(apiVersion: String = APIVersion.mesh, metadata: ObjectMeta, spec: Service.RateLimit) {
        self.apiVersion = apiVersion
        self.metadata = metadata
        self.spec = spec
    }

    /// The canonical form.
    public var canonical: CanonicalValue {
        ManifestObject.envelope(apiVersion: apiVersion, kind: .rateLimit, metadata: metadata, spec: spec.canonical)
    }

    /// What an ExtensionRef filter names to use one.
    public static let extensionGroup = "mesh.meshctl.dev"
}

extension RateLimit {
    static func decodeSpec(_ spec: inout FieldReader) -> Service.RateLimit {
        Service.RateLimit(decoding: &spec) ?? Service.RateLimit(requestsPerSecond: 1)
    }
}
