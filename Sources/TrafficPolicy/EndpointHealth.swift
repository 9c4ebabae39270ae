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

    /// Health for a new endpoint list that keeps the state of endpoints that were in `previous` (see
    /// `EndpointMapping`), now with these thresholds; new endpoints start unchecked (unhealthy).
    public init(
        carryingOver previous: EndpointHealth,
        mapping: EndpointMapping,
        healthyThreshold: Int = 2,
        unhealthyThreshold: Int = 3
    ) {
        self.init(
            endpointCount: mapping.newCount,
            healthyThreshold: healthyThreshold,
            unhealthyThreshold: unhealthyThreshold
        )
        for (new, old) in mapping.oldIndex.enumerated() {
            guard let old, previous.states.indices.contains(old) else { continue }
            states[new] = previous.states[old]
            states[new].healthyThreshold = healthyThreshold
            states[new].unhealthyThreshold = unhealthyThreshold
            if states[new].status == .healthy { unhealthy.remove(new) }
        }
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
