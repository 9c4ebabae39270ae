/// Which failed attempts a retry policy retries. The conditions do not overlap: `serverError` is about response
/// codes only, as Linkerd's `5xx`; Envoy's `5xx` also retries connect failures and resets, i.e.
/// `[.serverError, .connectFailure, .reset]`.
public struct RetryConditions: OptionSet, Sendable, Hashable {
    /// The condition bits.
    public let rawValue: UInt8

    /// Creates a set from its raw bits.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Any 500–599 response (`5xx`).
    public static let serverError = RetryConditions(rawValue: 1 << 0)
    /// 502, 503 and 504 responses (`gateway-error`).
    public static let gatewayError = RetryConditions(rawValue: 1 << 1)
    /// No connection could be made (`connect-failure`). Retried for any method: the upstream never saw the request.
    public static let connectFailure = RetryConditions(rawValue: 1 << 2)
    /// The connection was reset or closed before a response head (`reset`).
    public static let reset = RetryConditions(rawValue: 1 << 3)
    /// The per-try timeout fired (`timeout`). Off unless asked for, as in Linkerd (`retry.linkerd.io/timeout`):
    /// a request that timed out may still be running upstream, and retrying a slow service adds load to it.
    public static let timeout = RetryConditions(rawValue: 1 << 4)

    /// The condition spelled as users write it in `retryOn`: `5xx`, `gateway-error`, `connect-failure`, `reset`,
    /// `timeout`; nil for any other name. (Listed status codes are `RetryPolicy.retriableStatusCodes`.)
    public init?(name: String) {
        switch name {
        case "5xx": self = .serverError
        case "gateway-error": self = .gatewayError
        case "connect-failure": self = .connectFailure
        case "reset": self = .reset
        case "timeout": self = .timeout
        default: return nil
        }
    }
}
