/// A socket the sidecar accepts connections on, and how requests arriving there are routed.
public struct Listener: Sendable, Hashable, Codable {
    /// What the listener is for; decides how a request picks its service.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Traffic for the local replica: every request goes to `service` (usually one local endpoint).
        case inbound
        /// The replica's calls out: to `service` when set (a per-upstream local port), else by the Host header.
        case outbound
        /// The ingress gateway: `routes` by Host and path prefix to root services.
        case gateway
    }

    /// A label for logs and metrics; unique within the configuration.
    public var name: String
    public var kind: Kind
    /// `host:port` to bind; port 0 picks a free port (read it back from the admin `/stats` or the start-up line).
    public var address: String
    /// Inbound: the service that stands for the local replica. Outbound: the one upstream this port serves;
    /// nil routes by the Host header. Gateway: unused.
    public var service: String?
    /// Gateway only: first match wins, in order.
    public var routes: [GatewayRoute]
    /// Inbound only, on a proxy with a workload identity: whether plaintext connections are refused (`strict`) or
    /// accepted beside mTLS ones (`permissive`, nil: the default). docs/identity.md.
    public var mtls: MTLSMode?
    /// Inbound only: the AuthorizationPolicies of the service this listener stands for; nil or empty: allow all.
    public var authorization: [AuthorizationPolicyConfig]?
    /// Outbound by Host only: the services the workload declared it calls (its Service's `spec.upstreams`); a request
    /// for any host the configuration does not route gets 503 saying so, instead of 404. nil: nothing declared.
    public var upstreams: [String]?

    public init(name: String, kind: Kind, address: String, service: String? = nil, routes: [GatewayRoute] = [],
                mtls: MTLSMode? = nil, authorization: [AuthorizationPolicyConfig]? = nil, upstreams: [String]? = nil) {
        self.authorization = authorization
        self.upstreams = upstreams
        self.name = name
        self.kind = kind
        self.address = address
        self.service = service
        self.routes = routes
        self.mtls = mtls
    }

    private enum CodingKeys: String, CodingKey { case name, kind, address, service, routes, mtls, authorization, upstreams }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decode(String.self, forKey: .name)
        self.kind = try c.decode(Kind.self, forKey: .kind)
        self.address = try c.decode(String.self, forKey: .address)
        self.service = try c.decodeIfPresent(String.self, forKey: .service)
        self.routes = try c.decodeIfPresent([GatewayRoute].self, forKey: .routes) ?? []
        self.mtls = try c.decodeIfPresent(MTLSMode.self, forKey: .mtls)
        self.authorization = try c.decodeIfPresent([AuthorizationPolicyConfig].self, forKey: .authorization)
        self.upstreams = try c.decodeIfPresent([String].self, forKey: .upstreams)
    }
}

/// What an inbound listener does with a connection that does not start a TLS handshake (the Service's `spec.mtls`).
public enum MTLSMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Only mTLS from another mesh proxy; a plaintext connection is closed.
    case strict
    /// mTLS from mesh proxies and plaintext from anyone else (Istio's PERMISSIVE): the default.
    case permissive
}

/// A gateway rule: requests whose Host matches `host` (any host when nil) and whose path starts with
/// `pathPrefix` go to the root service `service` (through its TrafficSplit, when it has one).
public struct GatewayRoute: Sendable, Hashable, Codable {
    public var host: String?
    public var pathPrefix: String
    public var service: String

    public init(host: String? = nil, pathPrefix: String = "/", service: String) {
        self.host = host
        self.pathPrefix = pathPrefix
        self.service = service
    }

    private enum CodingKeys: String, CodingKey { case host, pathPrefix, service }

    /// Whether a request's Host (lower-cased, without port) fits `host`: equal, any when nil, and for a wildcard
    /// `*.example.com` (Gateway API's) any subdomain of example.com, not example.com itself.
    public func matches(host requestHost: String?) -> Bool {
        guard let host else { return true }
        guard let requestHost else { return false }
        guard host.hasPrefix("*.") else { return host.lowercased() == requestHost }
        let suffix = host.dropFirst().lowercased()
        return requestHost.count > suffix.count && requestHost.hasSuffix(suffix)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.host = try c.decodeIfPresent(String.self, forKey: .host)
        self.pathPrefix = try c.decodeIfPresent(String.self, forKey: .pathPrefix) ?? "/"
        self.service = try c.decode(String.self, forKey: .service)
    }
}
