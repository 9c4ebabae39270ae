/// Retries and timeouts for calls to one service, applied by the sidecars of its callers.
public struct RetryPolicy: Sendable, Hashable, Codable {
    public var apiVersion: String
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(apiVersion: String = APIVersion.mesh, metadata: ObjectMeta, spec: Spec) {
        self.apiVersion = apiVersion
        self.metadata = metadata
        self.spec = spec
    }

    public struct Spec: Sendable, Hashable, Codable {
        /// The service whose calls are retried.
        public var service: String
        /// Retries after the first try (Istio's meaning); 0 turns retries off.
        public var attempts: Int
        /// Limit on each try; nil: only the overall timeout applies.
        public var perTryTimeout: Duration?
        /// Limit on the whole call, retries included; nil: none.
        public var timeout: Duration?
        public var retryOn: [RetryOn]
        public var backoff: Backoff
        public var budget: Budget
        /// Retry only GET, HEAD, OPTIONS, PUT, DELETE and TRACE (a retried POST can pay twice).
        public var idempotentOnly: Bool

        public init(
            service: String,
            attempts: Int = 2,
            perTryTimeout: Duration? = nil,
            timeout: Duration? = nil,
            retryOn: [RetryOn] = RetryOn.defaults,
            backoff: Backoff = .init(),
            budget: Budget = .init(),
            idempotentOnly: Bool = true
        ) {
            self.service = service
            self.attempts = attempts
            self.perTryTimeout = perTryTimeout
            self.timeout = timeout
            self.retryOn = retryOn
            self.backoff = backoff
            self.budget = budget
            self.idempotentOnly = idempotentOnly
        }
    }

    /// Which failures are retried.
    public enum RetryOn: Sendable, Hashable, Codable, CustomStringConvertible {
        /// Any 5xx response.
        case serverError
        /// 502, 503, 504.
        case gatewayError
        /// The connection to the endpoint could not be made (refused, timed out).
        case connectFailure
        /// The connection was reset or closed before a response.
        case reset
        /// A listed status code.
        case status(Int)
        /// A gRPC status (in `grpc-status` of a gRPC service's answer), by its Envoy/Linkerd name: 1 `cancelled`,
        /// 4 `deadline-exceeded`, 8 `resource-exhausted`, 13 `internal`, 14 `unavailable`.
        case grpc(Int)

        public static let defaults: [RetryOn] = [.connectFailure, .reset, .gatewayError]

        /// The gRPC statuses a policy may retry, by name.
        static let grpcNames: [(name: String, status: Int)] = [
            ("cancelled", 1), ("deadline-exceeded", 4), ("resource-exhausted", 8), ("internal", 13), ("unavailable", 14),
        ]

        static let words: [String: RetryOn] = [
            "5xx": .serverError, "gateway-error": .gatewayError, "connect-failure": .connectFailure, "reset": .reset,
        ].merging(grpcNames.map { ($0.name, RetryOn.grpc($0.status)) }) { a, _ in a }

        public var description: String {
            switch self {
            case .serverError: "5xx"
            case .gatewayError: "gateway-error"
            case .connectFailure: "connect-failure"
            case .reset: "reset"
            case .status(let code): String(code)
            case .grpc(let status): Self.grpcNames.first { $0.status == status }?.name ?? "grpc-\(status)"
            }
        }
    }

    /// Exponential backoff between tries: base × 2^n, capped at max, less up to `jitter` percent at random.
    public struct Backoff: Sendable, Hashable, Codable {
        public var base: Duration
        public var max: Duration
        /// Percent of each delay that is randomised, 0-100.
        public var jitter: Int

        public init(base: Duration = .milliseconds(25), max: Duration = .milliseconds(250), jitter: Int = 50) {
            self.base = base
            self.max = max
            self.jitter = jitter
        }
    }

    /// Retries may add at most `percent` of the requests, but `minRetriesPerSecond` are always allowed (Linkerd's
    /// retry budget), so retries cannot turn an outage into a retry storm.
    public struct Budget: Sendable, Hashable, Codable {
        public var percent: Int
        public var minRetriesPerSecond: Int

        public init(percent: Int = 20, minRetriesPerSecond: Int = 10) {
            self.percent = percent
            self.minRetriesPerSecond = minRetriesPerSecond
        }
    }
}
