/// Which failed tries a retry policy retries, by the names users write in `retryOn`. A listed status code is
/// `RetryPolicy.retriableStatusCodes`, not a condition.
///
/// The conditions overlap the way the manifests document them: `gateway-error` covers 502/503/504 responses and the
/// failures a gateway would have turned into one (connect failure, reset, timeout, a malformed response);
/// `5xx` covers every 500–599 response plus timeouts and malformed responses.
public struct RetryConditions: OptionSet, Sendable, Hashable {
    /// The condition bits.
    public let rawValue: UInt16

    /// Creates a set from its raw bits.
    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// Any 500–599 response (`5xx`).
    public static let serverError = RetryConditions(rawValue: 1 << 0)
    /// 502, 503 and 504 responses and connect failures, resets and timeouts (`gateway-error`).
    public static let gatewayError = RetryConditions(rawValue: 1 << 1)
    /// No connection could be made (`connect-failure`): the upstream never saw the request.
    public static let connectFailure = RetryConditions(rawValue: 1 << 2)
    /// The connection was reset or closed before a response head (`reset`).
    public static let reset = RetryConditions(rawValue: 1 << 3)

    // gRPC statuses (`grpc-status` of a gRPC service's answer), as Envoy and Linkerd name them.
    /// 1 `cancelled`.
    public static let grpcCancelled = RetryConditions(rawValue: 1 << 4)
    /// 4 `deadline-exceeded`.
    public static let grpcDeadlineExceeded = RetryConditions(rawValue: 1 << 5)
    /// 8 `resource-exhausted`.
    public static let grpcResourceExhausted = RetryConditions(rawValue: 1 << 6)
    /// 13 `internal`.
    public static let grpcInternal = RetryConditions(rawValue: 1 << 7)
    /// 14 `unavailable`.
    public static let grpcUnavailable = RetryConditions(rawValue: 1 << 8)
    /// Every gRPC condition: a policy with none of them never looks for `grpc-status`.
    public static let grpcAny: RetryConditions = [
        .grpcCancelled, .grpcDeadlineExceeded, .grpcResourceExhausted, .grpcInternal, .grpcUnavailable,
    ]

    /// The condition of a gRPC status code; nil for a code no condition names.
    public init?(grpcStatus: Int) {
        switch grpcStatus {
        case 1: self = .grpcCancelled
        case 4: self = .grpcDeadlineExceeded
        case 8: self = .grpcResourceExhausted
        case 13: self = .grpcInternal
        case 14: self = .grpcUnavailable
        default: return nil
        }
    }
}
