import NIOCore
import SidecarConfig

/// A service as one event loop routes to it: its endpoints (shared pools) and its balancing and retry state.
final class ServiceState {
    let config: ServiceConfig
    let endpoints: [EndpointState]
    let retryPolicy: RetryPolicyConfig?
    let metrics: ServiceMetrics
    let balancer: EndpointBalancer
    /// Retry budget state for this service on this loop.
    let budget: RetryBudgetState

    var name: String { config.name }

    init(
        config: ServiceConfig, endpoints: [EndpointState], retryPolicy: RetryPolicyConfig?, metrics: ServiceMetrics,
        budget: RetryBudgetState
    ) {
        self.config = config
        self.endpoints = endpoints
        self.retryPolicy = retryPolicy
        self.metrics = metrics
        self.balancer = EndpointBalancer(kind: config.loadBalancer)
        self.budget = budget
    }

    /// An endpoint for the next try, or nil when none is available (all ejected, unhealthy or none configured).
    /// `avoiding` is the endpoint that just failed: a retry goes elsewhere when there is anywhere else.
    func pick(avoiding: EndpointState?, now: UInt64, random: inout FastRandom) -> EndpointState? {
        balancer.pick(from: endpoints, avoiding: avoiding, now: now, random: &random)
    }
}
