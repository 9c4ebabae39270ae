/// One line of `meshctl stat`: a service, or one backend of a split (`parent` names the split's root service).
public struct StatRow: Codable, Sendable, Hashable {
    public var kind: String
    public var name: String
    /// The split's root service for a backend row; nil for a service row.
    public var parent: String?
    public var metrics: GoldenMetrics

    public init(kind: String, name: String, parent: String? = nil, metrics: GoldenMetrics) {
        self.kind = kind
        self.name = name
        self.parent = parent
        self.metrics = metrics
    }
}
