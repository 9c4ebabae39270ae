/// The active health-check states of a service's endpoints, with the unhealthy ones kept as a set ready to
/// exclude from a pick (no work per request).
public struct EndpointHealth: Sendable {
    private var states: [HealthCheckState]
    /// Endpoints currently unhealthy (all of them until their first check passes).
    public private(set) var unhealthy: EndpointSet

    /// States for `endpointCount` endpoints not yet checked.
    public init(endpointCount: Int, healthyThreshold: Int = 2, unhealthyThreshold: Int = 3) {
        let initial = HealthCheckState(healthyThreshold: healthyThreshold, unhealthyThreshold: unhealthyThreshold)
        self.states = Array(repeating: initial, count: endpointCount)
        self.unhealthy = EndpointSet(0..<endpointCount)
    }

    /// The number of endpoints.
    public var endpointCount: Int { states.count }

    /// The status of `endpoint`.
    public func status(of endpoint: Int) -> HealthCheckState.Status {
        states[endpoint].status
    }

    /// Records a check of `endpoint`; returns the new status if it flipped (log it, count it).
    @discardableResult
    public mutating func record(endpoint: Int, passed: Bool) -> HealthCheckState.Status? {
        guard states.indices.contains(endpoint) else { return nil }
        let change = states[endpoint].record(passed: passed)
        switch change {
        case .healthy: unhealthy.remove(endpoint)
        case .unhealthy: unhealthy.insert(endpoint)
        case nil: break
        }
        return change
    }
}
