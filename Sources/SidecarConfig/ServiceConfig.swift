/// A service the sidecar can send requests to: its endpoints and how they are balanced, limited and checked.
///
/// Field names follow the `Service` manifest (`loadBalancer`, `outlierDetection`, `healthCheck`) so that the
/// reconciler's compilation is a copy, not a translation.
public struct ServiceConfig: Sendable, Hashable, Codable {
    public enum LoadBalancerKind: String, Sendable, Hashable, Codable, CaseIterable {
        case roundRobin = "round-robin"
        /// Power of two random choices, fewer requests in flight wins (Envoy's LEAST_REQUEST).
        case leastRequest = "least-request"
        /// Power of two choices by peak-EWMA latency × load, Linkerd's balancer; the default.
        case p2cEWMA = "p2c-ewma"
    }

    /// What the service speaks (the manifest's `spec.appProtocol`); decides how its listeners carry a connection.
    public enum AppProtocol: String, Sendable, Hashable, Codable, CaseIterable {
        /// HTTP/1.1; the default, and what a configuration written before the field existed means.
        case http
        /// HTTP/2 without TLS (h2c, prior knowledge).
        case http2
        /// gRPC over h2c.
        case grpc
        /// Opaque bytes: connections are balanced over the endpoints, requests are not seen.
        case tcp
    }

    /// The service name; also what an outbound request's Host header names (before any `:port`).
    public var name: String
    /// Other Host header values that mean this service.
    public var hosts: [String]
    /// `host:port` of every endpoint.
    public var endpoints: [String]
    public var appProtocol: AppProtocol
    public var loadBalancer: LoadBalancerKind
    public var outlierDetection: OutlierDetection?
    public var healthCheck: HealthCheck?
    public var connectionLimits: ConnectionLimits
    /// Enforced by the service's inbound listeners; nil for none.
    public var rateLimit: RateLimitConfig?
    /// The endpoints are mesh sidecars: connections to them are mTLS, and the peer must present this service's
    /// identity (`spiffe://<trust-domain>/ns/default/sa/<name>`). Only when this proxy has an identity itself.
    public var mtls: Bool = false
    /// Endpoints of an `mtls` service that are not sidecars (instances registered from outside the mesh): reached
    /// in plaintext, like every endpoint of a service without `mtls`.
    public var plaintextEndpoints: [String] = []

    public init(
        name: String, hosts: [String] = [], endpoints: [String], appProtocol: AppProtocol = .http,
        loadBalancer: LoadBalancerKind = .p2cEWMA,
        outlierDetection: OutlierDetection? = nil, healthCheck: HealthCheck? = nil,
        connectionLimits: ConnectionLimits = ConnectionLimits(), rateLimit: RateLimitConfig? = nil
    ) {
        self.name = name
        self.hosts = hosts
        self.endpoints = endpoints
        self.appProtocol = appProtocol
        self.loadBalancer = loadBalancer
        self.outlierDetection = outlierDetection
        self.healthCheck = healthCheck
        self.connectionLimits = connectionLimits
        self.rateLimit = rateLimit
    }

    private enum CodingKeys: String, CodingKey {
        case name, hosts, endpoints, appProtocol, loadBalancer, outlierDetection, healthCheck, connectionLimits, rateLimit
        case mtls, plaintextEndpoints
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decode(String.self, forKey: .name)
        self.hosts = try c.decodeIfPresent([String].self, forKey: .hosts) ?? []
        self.endpoints = try c.decodeIfPresent([String].self, forKey: .endpoints) ?? []
        self.appProtocol = try c.decodeIfPresent(AppProtocol.self, forKey: .appProtocol) ?? .http
        self.loadBalancer = try c.decodeIfPresent(LoadBalancerKind.self, forKey: .loadBalancer) ?? .p2cEWMA
        self.outlierDetection = try c.decodeIfPresent(OutlierDetection.self, forKey: .outlierDetection)
        self.healthCheck = try c.decodeIfPresent(HealthCheck.self, forKey: .healthCheck)
        self.connectionLimits = try c.decodeIfPresent(ConnectionLimits.self, forKey: .connectionLimits) ?? .init()
        self.rateLimit = try c.decodeIfPresent(RateLimitConfig.self, forKey: .rateLimit)
        self.mtls = try c.decodeIfPresent(Bool.self, forKey: .mtls) ?? false
        self.plaintextEndpoints = try c.decodeIfPresent([String].self, forKey: .plaintextEndpoints) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(hosts, forKey: .hosts)
        try c.encode(endpoints, forKey: .endpoints)
        // Absent for HTTP/1.1: configurations of plain HTTP services stay byte-identical to before the field existed.
        if appProtocol != .http { try c.encode(appProtocol, forKey: .appProtocol) }
        if mtls { try c.encode(mtls, forKey: .mtls) }  // absent when off, as appProtocol
        if !plaintextEndpoints.isEmpty { try c.encode(plaintextEndpoints, forKey: .plaintextEndpoints) }
        try c.encode(loadBalancer, forKey: .loadBalancer)
        try c.encodeIfPresent(outlierDetection, forKey: .outlierDetection)
        try c.encodeIfPresent(healthCheck, forKey: .healthCheck)
        try c.encode(connectionLimits, forKey: .connectionLimits)
        try c.encodeIfPresent(rateLimit, forKey: .rateLimit)
    }
}

/// Passive circuit breaking, Envoy's names: an endpoint that fails `consecutive5xxErrors` (or
/// `consecutiveGatewayErrors`: 502/503/504 and connect failures) times in a row is ejected for
/// `baseEjectionTime` × times ejected (capped at `maxEjectionTime`), never more than `maxEjectionPercent` of the
/// service at once; after the penalty one probe request decides.
public struct OutlierDetection: Sendable, Hashable, Codable {
    public var consecutive5xxErrors: Int
    public var consecutiveGatewayErrors: Int
    /// Time back in service that takes one off an endpoint's ejection multiplier (Envoy's and Istio's `interval`:
    /// each sweep an endpoint spends in service lowers its next ejection's length by one `baseEjectionTime`).
    public var interval: Duration
    public var baseEjectionTime: Duration
    public var maxEjectionTime: Duration
    public var maxEjectionPercent: Int

    public init(
        consecutive5xxErrors: Int = 5, consecutiveGatewayErrors: Int = 5, interval: Duration = .seconds(10),
        baseEjectionTime: Duration = .seconds(30), maxEjectionTime: Duration = .seconds(300),
        maxEjectionPercent: Int = 10
    ) {
        self.consecutive5xxErrors = consecutive5xxErrors
        self.consecutiveGatewayErrors = consecutiveGatewayErrors
        self.interval = interval
        self.baseEjectionTime = baseEjectionTime
        self.maxEjectionTime = maxEjectionTime
        self.maxEjectionPercent = maxEjectionPercent
    }

    private enum CodingKeys: String, CodingKey {
        case consecutive5xxErrors, consecutiveGatewayErrors, interval, baseEjectionTime, maxEjectionTime, maxEjectionPercent
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = OutlierDetection()
        self.consecutive5xxErrors = try c.decodeIfPresent(Int.self, forKey: .consecutive5xxErrors) ?? d.consecutive5xxErrors
        self.consecutiveGatewayErrors =
            try c.decodeIfPresent(Int.self, forKey: .consecutiveGatewayErrors) ?? d.consecutiveGatewayErrors
        self.interval = try c.decodeDurationIfPresent(forKey: .interval) ?? d.interval
        self.baseEjectionTime = try c.decodeDurationIfPresent(forKey: .baseEjectionTime) ?? d.baseEjectionTime
        self.maxEjectionTime = try c.decodeDurationIfPresent(forKey: .maxEjectionTime) ?? d.maxEjectionTime
        self.maxEjectionPercent = try c.decodeIfPresent(Int.self, forKey: .maxEjectionPercent) ?? d.maxEjectionPercent
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(consecutive5xxErrors, forKey: .consecutive5xxErrors)
        try c.encode(consecutiveGatewayErrors, forKey: .consecutiveGatewayErrors)
        try c.encodeDuration(interval, forKey: .interval)
        try c.encodeDuration(baseEjectionTime, forKey: .baseEjectionTime)
        try c.encodeDuration(maxEjectionTime, forKey: .maxEjectionTime)
        try c.encode(maxEjectionPercent, forKey: .maxEjectionPercent)
    }
}

/// Active HTTP health checking: `GET path` every `interval`; a 2xx within `timeout` is a success.
/// `unhealthyThreshold` failures in a row take the endpoint out, `healthyThreshold` successes bring it back.
public struct HealthCheck: Sendable, Hashable, Codable {
    public var path: String
    public var interval: Duration
    public var timeout: Duration
    public var healthyThreshold: Int
    public var unhealthyThreshold: Int

    public init(
        path: String = "/healthz", interval: Duration = .seconds(5), timeout: Duration = .seconds(1),
        healthyThreshold: Int = 1, unhealthyThreshold: Int = 3
    ) {
        self.path = path
        self.interval = interval
        self.timeout = timeout
        self.healthyThreshold = healthyThreshold
        self.unhealthyThreshold = unhealthyThreshold
    }

    private enum CodingKeys: String, CodingKey { case path, interval, timeout, healthyThreshold, unhealthyThreshold }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = HealthCheck()
        self.path = try c.decodeIfPresent(String.self, forKey: .path) ?? d.path
        self.interval = try c.decodeDurationIfPresent(forKey: .interval) ?? d.interval
        self.timeout = try c.decodeDurationIfPresent(forKey: .timeout) ?? d.timeout
        self.healthyThreshold = try c.decodeIfPresent(Int.self, forKey: .healthyThreshold) ?? d.healthyThreshold
        self.unhealthyThreshold = try c.decodeIfPresent(Int.self, forKey: .unhealthyThreshold) ?? d.unhealthyThreshold
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path)
        try c.encodeDuration(interval, forKey: .interval)
        try c.encodeDuration(timeout, forKey: .timeout)
        try c.encode(healthyThreshold, forKey: .healthyThreshold)
        try c.encode(unhealthyThreshold, forKey: .unhealthyThreshold)
    }
}

/// Upstream connection pool limits (Istio's `connectionPool`).
public struct ConnectionLimits: Sendable, Hashable, Codable {
    /// Connections open at once to all endpoints of the service together (every event loop thread of the proxy
    /// included); a request that finds none free waits (up to `maxPendingRequests`), and an idle connection to
    /// another endpoint of the service is closed to make room.
    public var maxConnections: Int
    /// Requests waiting for a connection, to all endpoints of the service together (every event loop included);
    /// beyond this the proxy answers 503 `overflow` at once.
    public var maxPendingRequests: Int
    /// Idle keep-alive connections kept per endpoint.
    public var maxIdleConnections: Int
    /// Requests one upstream connection carries before the proxy closes it; 0 for no limit.
    public var maxRequestsPerConnection: Int
    public var connectTimeout: Duration

    public init(
        maxConnections: Int = 1024, maxPendingRequests: Int = 1024, maxIdleConnections: Int = 128,
        maxRequestsPerConnection: Int = 0, connectTimeout: Duration = .seconds(2)
    ) {
        self.maxConnections = maxConnections
        self.maxPendingRequests = maxPendingRequests
        self.maxIdleConnections = maxIdleConnections
        self.maxRequestsPerConnection = maxRequestsPerConnection
        self.connectTimeout = connectTimeout
    }

    private enum CodingKeys: String, CodingKey {
        case maxConnections, maxPendingRequests, maxIdleConnections, maxRequestsPerConnection, connectTimeout
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ConnectionLimits()
        self.maxConnections = try c.decodeIfPresent(Int.self, forKey: .maxConnections) ?? d.maxConnections
        self.maxPendingRequests = try c.decodeIfPresent(Int.self, forKey: .maxPendingRequests) ?? d.maxPendingRequests
        self.maxIdleConnections = try c.decodeIfPresent(Int.self, forKey: .maxIdleConnections) ?? d.maxIdleConnections
        self.maxRequestsPerConnection =
            try c.decodeIfPresent(Int.self, forKey: .maxRequestsPerConnection) ?? d.maxRequestsPerConnection
        self.connectTimeout = try c.decodeDurationIfPresent(forKey: .connectTimeout) ?? d.connectTimeout
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(maxConnections, forKey: .maxConnections)
        try c.encode(maxPendingRequests, forKey: .maxPendingRequests)
        try c.encode(maxIdleConnections, forKey: .maxIdleConnections)
        // Absent unless used: configurations without it stay byte-identical to before the field existed.
        if maxRequestsPerConnection != 0 { try c.encode(maxRequestsPerConnection, forKey: .maxRequestsPerConnection) }
        try c.encodeDuration(connectTimeout, forKey: .connectTimeout)
    }
}
