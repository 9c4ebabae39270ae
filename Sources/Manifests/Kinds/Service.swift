/// A service in the mesh: the port it is reached on, what serves it, and how its sidecar balances and protects it.
public struct Service: Sendable, Hashable, Codable {
    public var apiVersion: String
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(apiVersion: String = APIVersion.mesh, metadata: ObjectMeta, spec: Spec) {
        self.apiVersion = apiVersion
        self.metadata = metadata
        self.spec = spec
    }

    public struct Spec: Sendable, Hashable, Codable {
        /// The port clients use (the service's sidecar listens on it, on 127.0.0.1). 1-65535.
        public var port: Int
        /// What the service speaks, so its proxies know how to carry it (Kubernetes' `appProtocol`).
        public var appProtocol: AppProtocol
        public var workload: Workload
        public var healthCheck: HealthCheck?
        public var loadBalancer: LoadBalancer
        /// nil: no passive ejection.
        public var outlierDetection: OutlierDetection?
        public var connectionPool: ConnectionPool
        /// nil: no rate limit.
        public var rateLimit: RateLimit?
        /// nil: instances cannot register themselves into this service.
        public var registration: Registration?
        /// Whether the replicas' sidecars refuse plaintext callers; nil: permissive (docs/identity.md).
        public var mtls: MTLS?
        /// The services its workloads call (Service+Upstreams.swift); nil: every service in the mesh.
        public var upstreams: [String]?

        public init(
            port: Int,
            appProtocol: AppProtocol = .http,
            workload: Workload = .none,
            healthCheck: HealthCheck? = nil,
            loadBalancer: LoadBalancer = .p2cEWMA,
            outlierDetection: OutlierDetection? = nil,
            connectionPool: ConnectionPool = .init(),
            rateLimit: RateLimit? = nil,
            registration: Registration? = nil,
            mtls: MTLS? = nil,
            upstreams: [String]? = nil
        ) {
            self.port = port
            self.appProtocol = appProtocol
            self.workload = workload
            self.healthCheck = healthCheck
            self.loadBalancer = loadBalancer
            self.outlierDetection = outlierDetection
            self.connectionPool = connectionPool
            self.rateLimit = rateLimit
            self.registration = registration
            self.mtls = mtls
            self.upstreams = upstreams
        }
    }

    /// The protocol the service's clients and servers speak, as Kubernetes' `appProtocol` and Linkerd's
    /// `proxyProtocol` name it.
    public enum AppProtocol: String, Sendable, Hashable, Codable, CaseIterable {
        /// HTTP/1.1 (the default).
        case http
        /// HTTP/2 without TLS (h2c, prior knowledge).
        case http2
        /// gRPC over h2c.
        case grpc
        /// Opaque bytes: connections are balanced, requests are not seen.
        case tcp
    }

    /// What serves the service.
    public enum Workload: Sendable, Hashable, Codable {
        /// Processes the operator runs: `command` started `replicas` times, each with its own port in `PORT`.
        case command(Command)
        /// Servers that already run elsewhere, reached directly.
        case endpoints([Endpoint])
        /// Nothing of its own: the root of a TrafficSplit, served by the split's backends.
        case none
    }

    public struct Command: Sendable, Hashable, Codable {
        /// argv, the program first; no shell is involved.
        public var argv: [String]
        public var replicas: Int
        /// `$(VAR)` in `argv` and in values is expanded (docs/discovery.md, "Workloads").
        public var env: [String: String]
        /// Absolute directory the processes start in; nil: the operator's.
        public var workingDir: String?
        /// How long a removed replica has between SIGTERM and SIGKILL (it is out of every proxy's endpoints before
        /// SIGTERM); nil: `Command.defaultTerminationGracePeriod`.
        public var terminationGracePeriod: Duration?
        /// Whether a replica takes traffic (Service+Readiness.swift); nil: once it answers HTTP (or `healthCheck`).
        public var readinessProbe: ReadinessProbe?
        /// Replicas set from the sidecars' request rate (Service+Autoscale.swift); `replicas` is then `min`.
        public var autoscale: Autoscale?

        /// What the operator always gave a process between SIGTERM and SIGKILL (Kubernetes gives 30 s).
        public static let defaultTerminationGracePeriod: Duration = .seconds(10)

        public init(argv: [String], replicas: Int = 1, env: [String: String] = [:], workingDir: String? = nil,
                    terminationGracePeriod: Duration? = nil, readinessProbe: ReadinessProbe? = nil,
                    autoscale: Autoscale? = nil) {
            self.argv = argv
            self.replicas = replicas
            self.env = env
            self.workingDir = workingDir
            self.terminationGracePeriod = terminationGracePeriod
            self.readinessProbe = readinessProbe
            self.autoscale = autoscale
        }
    }

    public struct Endpoint: Sendable, Hashable, Codable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `host:port`, with IPv6 hosts in brackets.
        public var description: String {
            host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }

    /// Active health checking of each replica or endpoint: HTTP GET `path`, or for a gRPC service the standard
    /// `grpc.health.v1.Health/Check` call when `grpc` is set (docs/grpc.md).
    public struct HealthCheck: Sendable, Hashable, Codable {
        public var path: String
        /// Check with `grpc.health.v1.Health/Check` instead of `path` (replicas of an `appProtocol: grpc` service).
        public var grpc: GRPC?
        public var interval: Duration
        public var timeout: Duration
        /// Consecutive successes before an unhealthy endpoint is used again.
        public var healthyThreshold: Int
        /// Consecutive failures before an endpoint is taken out.
        public var unhealthyThreshold: Int

        public init(
            path: String = "/healthz",
            interval: Duration = .seconds(5),
            timeout: Duration = .seconds(1),
            healthyThreshold: Int = 1,
            unhealthyThreshold: Int = 3,
            grpc: GRPC? = nil
        ) {
            self.path = path
            self.grpc = grpc
            self.interval = interval
            self.timeout = timeout
            self.healthyThreshold = healthyThreshold
            self.unhealthyThreshold = unhealthyThreshold
        }

        /// The gRPC health checking protocol: the replica passes when `Check` for `service` ("" is the whole server)
        /// answers SERVING.
        public struct GRPC: Sendable, Hashable, Codable {
            public var service: String

            public init(service: String = "") { self.service = service }
        }
    }

    public enum LoadBalancer: String, Sendable, Hashable, Codable, CaseIterable {
        case roundRobin = "round-robin"
        /// Power of two choices on in-flight requests (Envoy's LEAST_REQUEST).
        case leastRequest = "least-request"
        /// Power of two choices on peak-EWMA latency (Linkerd's balancer).
        case p2cEWMA = "p2c-ewma"
    }

    /// Passive ejection of failing endpoints, with Istio's names and meaning.
    public struct OutlierDetection: Sendable, Hashable, Codable {
        /// 5xx responses in a row (gateway errors and connection failures count too) before ejection; 0 turns it off.
        public var consecutive5xxErrors: Int
        /// 502/503/504 and connection failures in a row before ejection; 0 turns it off.
        public var consecutiveGatewayErrors: Int
        public var interval: Duration
        /// Ejection lasts this long times the number of times the endpoint was ejected.
        public var baseEjectionTime: Duration
        /// At most this percentage of endpoints are ejected at once.
        public var maxEjectionPercent: Int

        public init(
            consecutive5xxErrors: Int = 5,
            consecutiveGatewayErrors: Int = 0,
            interval: Duration = .seconds(10),
            baseEjectionTime: Duration = .seconds(30),
            maxEjectionPercent: Int = 50
        ) {
            self.consecutive5xxErrors = consecutive5xxErrors
            self.consecutiveGatewayErrors = consecutiveGatewayErrors
            self.interval = interval
            self.baseEjectionTime = baseEjectionTime
            self.maxEjectionPercent = maxEjectionPercent
        }
    }

    /// Connection limits (Istio's connectionPool): past them, requests fail fast with 503 instead of queueing.
    public struct ConnectionPool: Sendable, Hashable, Codable {
        /// Connections to all endpoints together.
        public var maxConnections: Int
        /// Requests waiting for a connection.
        public var maxPendingRequests: Int
        /// Requests per upstream connection before it is closed; 0 is unlimited.
        public var maxRequestsPerConnection: Int

        public init(maxConnections: Int = 1024, maxPendingRequests: Int = 1024, maxRequestsPerConnection: Int = 0) {
            self.maxConnections = maxConnections
            self.maxPendingRequests = maxPendingRequests
            self.maxRequestsPerConnection = maxRequestsPerConnection
        }
    }
}
