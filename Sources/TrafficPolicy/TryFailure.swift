/// How one try of a request ended without a response the client can be given.
///
/// The exchange state machine turns it into three things, so they cannot disagree: whether to retry
/// (`RetryPolicy.decide`), what the balancer and outlier detector learn (`outcome`), and what the client is told
/// when no retry follows (`answer`).
public enum TryFailure: Sendable, Hashable {
    /// No connection could be made (refused, unreachable, connect timeout); the request never left.
    case connectFailure
    /// Closed or reset before a response head, on a fresh connection: the upstream may have acted on it.
    case reset
    /// Closed before a response head, on a connection that had served before: the server timed it out idle.
    case staleConnection
    /// Not HTTP, an ambiguous or malformed response head, or a protocol switch nobody asked for.
    case protocolError
    /// The per-try timeout passed before a response head.
    case timeout
    /// A response head whose status the policy retries; it is never forwarded when a retry follows.
    case status(Int)
    /// A gRPC answer (HTTP 200) whose `grpc-status` the policy retries; never forwarded when a retry follows.
    case grpcStatus(Int)

    /// What this try tells the balancer and the outlier detector. A stale pooled connection is not the endpoint's
    /// fault; a malformed response counts as a reset.
    public var outcome: AttemptOutcome {
        switch self {
        case .connectFailure: .connectFailure
        case .reset, .protocolError: .reset
        case .staleConnection: .cancelled
        case .timeout: .timeout
        case .status(let status): .response(status: status)
        case .grpcStatus(let status): .response(status: Self.httpStatus(grpc: status))
        }
    }

    /// The proxy's own answer when this failure ends the request: status and the `x-mesh-reason` value.
    public var answer: (status: Int, reason: String) {
        switch self {
        case .connectFailure: (503, "connect-failure")
        case .reset, .staleConnection: (502, "upstream-reset")
        case .protocolError: (502, "upstream-protocol-error")
        case .timeout: (504, "timeout")
        case .status(let status): (status, "retries-exhausted")
        case .grpcStatus(let status): (Self.httpStatus(grpc: status), "retries-exhausted")
        }
    }

    /// What a retried gRPC status means as an HTTP status, for the balancer and the outlier detector (an unavailable
    /// server is a 503 to them) and for the proxy's own answer.
    static func httpStatus(grpc status: Int) -> Int {
        switch status {
        case 1: 499  // cancelled: the caller's doing, not the endpoint's
        case 4: 504
        case 8: 429
        case 14: 503
        default: 500
        }
    }
}
