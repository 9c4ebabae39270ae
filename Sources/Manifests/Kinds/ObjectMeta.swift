/// `metadata` of every object, as in Kubernetes. meshctl has one namespace; `namespace` is kept as written so that
/// manifests shared with a cluster validate unchanged.
public struct ObjectMeta: Sendable, Hashable, Codable {
    /// A DNS-1123 label, unique per kind in one apply set.
    public var name: String
    public var namespace: String?
    public var labels: [String: String]
    public var annotations: [String: String]

    public init(
        name: String,
        namespace: String? = nil,
        labels: [String: String] = [:],
        annotations: [String: String] = [:]
    ) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
    }
}
