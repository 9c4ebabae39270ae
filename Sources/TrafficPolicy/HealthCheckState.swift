/// Active health checking of one endpoint: consecutive passes and failures flip it between healthy and unhealthy
/// (Envoy's `healthy_threshold` / `unhealthy_threshold`, Kubernetes' `successThreshold` / `failureThreshold`).
///
/// A new endpoint starts unhealthy and its very first pass makes it healthy at once (as Envoy does at start-up),
/// so the proxy should run the first check immediately. After that, `healthyThreshold` passes in a row bring an
/// unhealthy endpoint back and `unhealthyThreshold` failures in a row take a healthy one out; anything else
/// leaves the status as it is.
public struct HealthCheckState: Sendable, Hashable {
    /// Whether traffic may go to the endpoint.
    public enum Status: String, Sendable, Hashable {
        /// Passing its checks: may receive traffic.
        case healthy
        /// Failing its checks, or not checked yet: excluded from picks.
        case unhealthy
    }

    /// Passes in a row that make an unhealthy endpoint healthy (default 2; at least 1).
    public var healthyThreshold: Int {
        didSet { healthyThreshold = max(healthyThreshold, 1) }
    }
    /// Failures in a row that make a healthy endpoint unhealthy (default 3; at least 1).
    public var unhealthyThreshold: Int {
        didSet { unhealthyThreshold = max(unhealthyThreshold, 1) }
    }
    /// The current status.
    public private(set) var status: Status = .unhealthy
    /// Checks in a row with the same result as the last one.
    public private(set) var streak = 0
    private var lastPassed = false
    private var checked = false

    /// A state for an endpoint not yet checked (unhealthy). Thresholds below 1 count as 1.
    public init(healthyThreshold: Int = 2, unhealthyThreshold: Int = 3) {
        self.healthyThreshold = max(healthyThreshold, 1)
        self.unhealthyThreshold = max(unhealthyThreshold, 1)
    }

    /// Records one check's result; returns the new status if it changed.
    @discardableResult
    public mutating func record(passed: Bool) -> Status? {
        streak = checked && passed == lastPassed ? streak + 1 : 1
        lastPassed = passed
        defer { checked = true }
        switch status {
        case .unhealthy where passed && (!checked || streak >= healthyThreshold):
            status = .healthy
            return .healthy
        case .healthy where !passed && streak >= unhealthyThreshold:
            status = .unhealthy
            return .unhealthy
        default:
            return nil
        }
    }
}
