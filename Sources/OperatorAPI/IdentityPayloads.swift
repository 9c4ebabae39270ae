/// `POST /v1/identity/certificates`: what a proxy sends.
public struct CertificateRequest: Codable, Sendable {
    public var service: String
    public var csr: String
    /// Seconds; absent for the default 24 h. Shorter only (tests use seconds to watch a renewal).
    public var lifetimeSeconds: Double?

    public init(service: String, csr: String, lifetimeSeconds: Double? = nil) {
        self.service = service
        self.csr = csr
        self.lifetimeSeconds = lifetimeSeconds
    }
}
