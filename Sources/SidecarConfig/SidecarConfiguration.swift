/// The sidecar's configuration schema; the reconciler writes it, the proxy reads it.
public struct SidecarConfiguration: Sendable, Hashable, Codable {
    public var version: String

    public init(version: String) {
        self.version = version
    }
}
