/// How one attempt of a request to one endpoint ended, as the proxy saw it.
///
/// One type feeds every decision in this module — retry, outlier detection, balancer feedback — so they cannot
/// disagree about what a failure is.
public enum AttemptOutcome: Sendable, Hashable {
    /// The upstream answered with a response head carrying this status code.
    case response(status: Int)
    /// No connection could be made (refused, unreachable, connect timeout). The upstream never saw the request.
    case connectFailure
    /// The connection closed or was reset after the request was (maybe partly) sent and before a complete response
    /// head arrived; the upstream may have acted on it.
    case reset
    /// The per-try timeout fired before a response head arrived.
    case timeout
    /// The proxy gave up on the attempt for its own reasons (the client went away, the overall deadline passed,
    /// a hot config swap cancelled a hedge). Says nothing about the endpoint's health.
    case cancelled
    /// An opaque (`appProtocol: tcp`) connection was made: as far as the proxy can see, the endpoint served it.
    case connected

    /// True when the endpoint served the request: any response below 500. A 4xx is the client's problem, not the
    /// endpoint's, so it counts as success for balancing and outlier detection.
    @inlinable
    public var isSuccess: Bool {
        if case .response(let status) = self { return status < 500 }
        return self == .connected
    }

    /// True when the attempt says the endpoint is failing: a 5xx response, connect failure, reset or timeout.
    /// `cancelled` is neither success nor failure.
    @inlinable
    public var isFailure: Bool {
        switch self {
        case .response(let status): status >= 500
        case .connectFailure, .reset, .timeout: true
        case .cancelled, .connected: false
        }
    }

    /// True for Envoy's "gateway errors": 502, 503, 504 responses, and the locally seen failures that a gateway
    /// would have turned into one of those (connect failure, reset, timeout).
    @inlinable
    public var isGatewayError: Bool {
        switch self {
        case .response(let status): status == 502 || status == 503 || status == 504
        case .connectFailure, .reset, .timeout: true
        case .cancelled, .connected: false
        }
    }
}
