/// `POST /v1/registrations` (register or renew), `…/heartbeat` and `…/deregister`: one instance of a Service,
/// reached at `address`. `ttl` (a duration such as `10s`) only when registering.
public struct RegistrationRequest: Codable, Sendable, Hashable {
    public var service: String
    public var address: String
    public var ttl: String?

    public init(service: String, address: String, ttl: String? = nil) {
        self.service = service
        self.address = address
        self.ttl = ttl
    }
}

/// A registered instance as `GET /v1/registrations` lists it, and as a registration's answer.
public struct RegistrationView: Codable, Sendable, Hashable {
    public var service: String
    public var address: String
    public var ttlSeconds: Double
    /// Seconds until it expires unless it heartbeats.
    public var expiresInSeconds: Double

    public init(service: String, address: String, ttlSeconds: Double, expiresInSeconds: Double) {
        self.service = service
        self.address = address
        self.ttlSeconds = ttlSeconds
        self.expiresInSeconds = expiresInSeconds
    }
}

/// Every problem of a refused request at once (`errors`), and the first of them as `error` for simple clients.
public struct RegistrationRefusal: Codable, Sendable, Hashable {
    public var error: String
    public var errors: [String]

    public init(errors: [String]) {
        self.error = errors.first ?? "refused"
        self.errors = errors
    }
}
