import NIOCore
import Prometheus
import SidecarConfig
import TrafficPolicy

/// A service as one event loop routes to it: its endpoints (shared pools) and the `TrafficPolicy` state that
/// decides where each try goes — balancer, outlier detector, retry budget — plus active health results.
///
/// Endpoints are referred to by index, as `TrafficPolicy` does; a request keeps the index it was given and
/// reports back to the `ServiceState` it picked from, so requests that straddle a config swap finish on the old one.
final class ServiceState {
    let config: ServiceConfig
    let endpoints: [EndpointState]
    /// The policy as configured (to tell whether a new configuration changed it).
    let policyConfig: RetryPolicyConfig?
    /// The policy compiled for the exchange state machine (`RetryPolicy.none` without one).
    let retryPolicy: RetryPolicy
    private let makeMetrics: () -> ServiceMetrics
    /// Made on the first request routed here (see `EndpointState.metrics`).
    lazy var metrics: ServiceMetrics = makeMetrics()
    private(set) var balancer: any LoadBalancer
    private(set) var outlier: OutlierDetector?
    var budget: RetryBudget
    /// The service's rate limit on this loop (`ServiceConfig.rateLimit`), applied by inbound listeners.
    var rateLimit: TokenBucket?
    /// Endpoints failing their active health check.
    var unhealthy = EndpointSet()

    var name: String { config.name }

    init(
        config: ServiceConfig, endpoints: [EndpointState], retryPolicy: RetryPolicyConfig?,
        metrics: @escaping () -> ServiceMetrics, previous: ServiceState?, random: inout FastRandom
    ) {
        self.config = config
        self.endpoints = endpoints
        self.policyConfig = retryPolicy
        let policy = retryPolicy.map(RetryPolicy.init(compiling:)) ?? .none
        self.retryPolicy = policy
        self.makeMetrics = metrics
        let algorithm = Self.algorithm(config.loadBalancer)
        let outlierConfig = config.outlierDetection.map(Self.outlierConfiguration)
        let budgetConfig = policy.budget
        let start = endpoints.isEmpty ? 0 : Int(random.next() % UInt64(endpoints.count))
        for (index, endpoint) in endpoints.enumerated() where !endpoint.healthy { unhealthy.insert(index) }
        // A bucket survives a swap that keeps its limit: a configuration push must not refill it.
        self.rateLimit = previous?.config.rateLimit == config.rateLimit && config.rateLimit != nil
            ? previous?.rateLimit : config.rateLimit.map { TokenBucket(requestsPerSecond: $0.requestsPerSecond, burst: $0.burst) }
        if let previous {
            // What was learned about endpoints that stay (latency, ejections) survives the swap.
            let mapping = EndpointMapping(from: previous.endpoints.map { $0.address }, to: endpoints.map { $0.address })
            self.balancer = algorithm.makeBalancer(carryingOver: previous.balancer, mapping: mapping, startingAt: start)
            if let outlierConfig {
                self.outlier =
                    previous.outlier.map { OutlierDetector(carryingOver: $0, mapping: mapping, configuration: outlierConfig) }
                    ?? OutlierDetector(endpointCount: endpoints.count, configuration: outlierConfig)
            }
            self.budget = previous.budget.configuration == budgetConfig ? previous.budget : RetryBudget(configuration: budgetConfig)
        } else {
            self.balancer = algorithm.makeBalancer(endpointCount: endpoints.count, startingAt: start)
            self.outlier = outlierConfig.map { OutlierDetector(endpointCount: endpoints.count, configuration: $0) }
            self.budget = RetryBudget(configuration: budgetConfig)
        }
    }

    private static func algorithm(_ kind: ServiceConfig.LoadBalancerKind) -> LoadBalancerAlgorithm {
        switch kind {
        case .roundRobin: .roundRobin
        case .leastRequest: .leastRequest
        case .p2cEWMA: .default
        }
    }

    private static func outlierConfiguration(_ c: OutlierDetection) -> OutlierDetector.Configuration {
        OutlierDetector.Configuration(
            consecutive5xxErrors: c.consecutive5xxErrors, consecutiveGatewayErrors: c.consecutiveGatewayErrors,
            baseEjectionTime: c.baseEjectionTime.clampedNanoseconds, maxEjectionTime: c.maxEjectionTime.clampedNanoseconds,
            maxEjectionPercent: c.maxEjectionPercent, multiplierDecayInterval: c.interval.clampedNanoseconds)
    }

    /// Chooses the endpoint for a try and counts it as started; nil when none is available (all ejected,
    /// unhealthy, or none configured). A retry passes the endpoint that just failed as `avoiding`.
    func pick(avoiding: Int?, now: UInt64, random: inout FastRandom) -> Int? {
        var excluded = unhealthy
        if outlier != nil { excluded.formUnion(outlier!.unavailableEndpoints(now: now)) }
        let index: Int?
        if let avoiding {
            index = balancer.pick(excluding: excluded, avoiding: avoiding, now: now, using: &random)
        } else {
            index = balancer.pick(excluding: excluded, now: now, using: &random)
        }
        guard let index else { return nil }
        balancer.requestStarted(endpoint: index, now: now)
        outlier?.requestStarted(endpoint: index, now: now)
        return index
    }

    /// Whether some endpoint could take a request now: configured, passing its health check, not ejected.
    func canServe(now: UInt64) -> Bool {
        if endpoints.isEmpty { return false }
        var excluded = unhealthy
        if outlier != nil { excluded.formUnion(outlier!.unavailableEndpoints(now: now)) }
        return endpoints.indices.contains { !excluded.contains($0) }
    }

    /// Reports how a try ended, exactly once per `pick`.
    func finished(endpoint index: Int, startedAt: UInt64, outcome: AttemptOutcome, now: UInt64) {
        balancer.requestFinished(endpoint: index, latency: now &- startedAt, outcome: outcome, now: now)
        guard outlier != nil, let event = outlier!.record(endpoint: index, outcome: outcome, now: now) else { return }
        switch event {
        case .ejected(let endpoint, _, _, _):
            endpoints[endpoint].metrics.ejections.increment()
            endpoints[endpoint].metrics.ejected.set(Int64(1))
        case .reinstated(let endpoint):
            endpoints[endpoint].metrics.ejected.set(Int64(0))
        case .ejectionBlocked:
            break
        }
    }

    /// Whether endpoint `index` is ejected now (for stats).
    func isEjected(_ index: Int) -> Bool {
        guard let outlier else { return false }
        if case .ejected = outlier.state(of: index) { return true }
        return false
    }
}
