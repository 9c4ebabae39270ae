/// Which failed tries a retry policy retries, by the names users write in `retryOn`. A listed status code is
/// `RetryPolicy.retriableStatusCodes`, not a condition.
///
/// The conditions overlap the way the manifests document them: `gateway-error` covers 502/503/504 responses and the
/// failures a gateway would have turned into one (connect failure, reset, timeout, a malformed response);
/// `5xx` covers every 500–599 response plus timeouts and malformed responses.
public struct RetryConditions: OptionSet, Sendable, Hashable {
    /// The condition bits.
    public let rawValue: UInt8

    /// Creates a set from its raw bits.
    public init(rawValue: UInt8) {
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
}
