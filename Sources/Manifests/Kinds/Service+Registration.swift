extension Service {
    /// Self-registration (Consul's agent model): instances outside the operator join with an address and a TTL
    /// (docs/discovery.md, "Self-registration").
    public struct Registration: Sendable, Hashable, Codable {
        public var allowed: Bool

        public init(allowed: Bool = false) { self.allowed = allowed }
    }
}
