/// Retries and timeouts for requests to one service (the RetryPolicy manifest, compiled).
public struct RetryPolicyConfig: Sendable, Hashable, Codable {
    /// The conditions that make an attempt worth retrying.
    public enum RetryOn: String, Sendable, Hashable, Codable, CaseIterable {
        /// Any 5xx response.
        case serverError = "5xx"
        /// 502, 503, 504 and connect failures.
        case gatewayError = "gateway-error"
        /// The connection to the endpoint could not be made (nothing was sent).
        case connectFailure = "connect-failure"
        /// The connection was reset or closed before a response head arrived.
        case reset
        /// The codes in `retriableStatusCodes`.
        case retriableStatusCodes = "retriable-status-codes"
        /// gRPC statuses in `grpc-status` (gRPC services), as Envoy and Linkerd name them.
        case cancelled
        case deadlineExceeded = "deadline-exceeded"
        case resourceExhausted = "resource-exhausted"
        case `internal`
        case unavailable

        /// The condition of a gRPC status code (1, 4, 8, 13, 14); nil for others.
        public init?(grpcStatus: Int) {
            switch grpcStatus {
            case 1: self = .cancelled
            case 4: self = .deadlineExceeded
            case 8: self = .resourceExhausted
            case 13: self = .internal
            case 14: self = .unavailable
            default: return nil
            }
        }

        /// The gRPC status code of a gRPC condition; nil for the HTTP ones.
        public var grpcStatus: Int? {
            switch self {
            case .cancelled: 1
            case .deadlineExceeded: 4
            case .resourceExhausted: 8
            case .internal: 13
            case .unavailable: 14
            case .serverError, .gatewayError, .connectFailure, .reset, .retriableStatusCodes: nil
            }
        }
    }

    public struct Backoff: Sendable, Hashable, Codable {
        public var base: Duration
        public var max: Duration
        /// 0...1: the fraction of each delay that is randomised.
        public var jitter: Double
        public init(base: Duration = .milliseconds(25), max: Duration = .milliseconds(250), jitter: Double = 0.5) {
            self.base = base
            self.max = max
            self.jitter = jitter
        }

        private enum CodingKeys: String, CodingKey { case base, max, jitter }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.base = try c.decodeDuration(forKey: .base)
            self.max = try c.decodeDuration(forKey: .max)
            self.jitter = try c.decode(Double.self, forKey: .jitter)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeDuration(base, forKey: .base)
            try c.encodeDuration(max, forKey: .max)
            try c.encode(jitter, forKey: .jitter)
        }
    }

    /// Retries may add at most `percent` % of the original requests, plus `minRetriesPerSecond` (Linkerd's budget).
    public struct Budget: Sendable, Hashable, Codable {
        public var percent: Double
        public var minRetriesPerSecond: Int
        public init(percent: Double = 20, minRetriesPerSecond: Int = 10) {
            self.percent = percent
            self.minRetriesPerSecond = minRetriesPerSecond
        }
    }

    public var name: String
    /// The service whose requests this policy governs.
    public var service: String
    /// Total tries, the first included (1 = no retries).
    public var attempts: Int
    public var perTryTimeout: Duration?
    /// The whole request, every try and backoff included.
    public var timeout: Duration?
    public var retryOn: [RetryOn]
    public var retriableStatusCodes: [Int]
    public var backoff: Backoff
    public var budget: Budget
    /// POST, PATCH and friends retry only when this is true (double payments otherwise: istio #50506).
    public var retryNonIdempotent: Bool

    public init(
        name: String, service: String, attempts: Int = 3, perTryTimeout: Duration? = nil,
        timeout: Duration? = nil, retryOn: [RetryOn] = [.gatewayError, .connectFailure, .reset],
        retriableStatusCodes: [Int] = [], backoff: Backoff = Backoff(), budget: Budget = Budget(),
        retryNonIdempotent: Bool = false
    ) {
        self.name = name
        self.service = service
        self.attempts = attempts
        self.perTryTimeout = perTryTimeout
        self.timeout = timeout
        self.retryOn = retryOn
        self.retriableStatusCodes = retriableStatusCodes
        self.backoff = backoff
        self.budget = budget
        self.retryNonIdempotent = retryNonIdempotent
    }

    private enum CodingKeys: String, CodingKey {
        case name, service, attempts, perTryTimeout, timeout, retryOn, retriableStatusCodes, backoff, budget
        case retryNonIdempotent
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RetryPolicyConfig(name: "", service: "")
        self.name = try c.decode(String.self, forKey: .name)
        self.service = try c.decode(String.self, forKey: .service)
        self.attempts = try c.decodeIfPresent(Int.self, forKey: .attempts) ?? d.attempts
        self.perTryTimeout = try c.decodeDurationIfPresent(forKey: .perTryTimeout)
        self.timeout = try c.decodeDurationIfPresent(forKey: .timeout)
        self.retryOn = try c.decodeIfPresent([RetryOn].self, forKey: .retryOn) ?? d.retryOn
        self.retriableStatusCodes = try c.decodeIfPresent([Int].self, forKey: .retriableStatusCodes) ?? []
        self.backoff = try c.decodeIfPresent(Backoff.self, forKey: .backoff) ?? d.backoff
        self.budget = try c.decodeIfPresent(Budget.self, forKey: .budget) ?? d.budget
        self.retryNonIdempotent = try c.decodeIfPresent(Bool.self, forKey: .retryNonIdempotent) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(service, forKey: .service)
        try c.encode(attempts, forKey: .attempts)
        try c.encodeDurationIfPresent(perTryTimeout, forKey: .perTryTimeout)
        try c.encodeDurationIfPresent(timeout, forKey: .timeout)
        try c.encode(retryOn, forKey: .retryOn)
        try c.encode(retriableStatusCodes, forKey: .retriableStatusCodes)
        try c.encode(backoff, forKey: .backoff)
        try c.encode(budget, forKey: .budget)
        try c.encode(retryNonIdempotent, forKey: .retryNonIdempotent)
    }
}
