import Prometheus
import SidecarConfig
import Synchronization

/// The proxy's Prometheus metrics, made once per (service, backend) and cached, so the hot path only bumps
/// atomics. Labels are bounded: service names, endpoint addresses and status classes from the configuration.
final class ProxyMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    /// False: responses by status class and the latency histogram are not recorded (`--no-metrics`).
    let perRequest: Bool
    /// Every series made for an endpoint, by `EndpointState.key`, so that an endpoint that leaves the configuration
    /// takes its series out of the registry (`forgetEndpoints(notIn:)`, ProxyMetrics+Forget.swift).
    let endpointSeries = Mutex<[String: EndpointSeries]>([:])
    /// `mesh_config_changes_total` by how the change came, made on the first change of each kind
    /// (ProxyMetrics+ConfigChanges.swift).
    let configChanges = Mutex<[String: Counter]>([:])

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: metric, unitName: unit, helpText: help)
    }

    init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), perRequest: Bool = true) {
        self.registry = registry
        self.perRequest = perRequest
    }

    func service(_ name: String) -> ServiceMetrics {
        ServiceMetrics(
            latency: LatencyHistogram(enabled: perRequest),
            retries: registry.makeCounter(
                descriptor: Self.name("mesh_retries", "total", "Retries sent (tries after the first)."), labels: [("service", name)]),
            budgetExhausted: registry.makeCounter(
                descriptor: Self.name("mesh_retries_budget_exhausted", "total", "Retries refused because the retry budget was spent."), labels: [("service", name)]),
            ownAnswers: Dictionary(
                uniqueKeysWithValues: ["no-healthy-endpoint", "timeout", "upstream-protocol-error", "connect-failure",
                    "overflow", "upstream-reset", "retries-exhausted", "rate-limited", "fault-abort", "forbidden"].map { reason in
                    (reason, registry.makeCounter(
                        descriptor: Self.name("mesh_local_responses", "total", "Responses the proxy made itself (503, 504, 502, 429, 403, injected aborts), by reason."), labels: [("service", name), ("reason", reason)]))
                }))
    }

    func endpoint(service: String, address: HostPort) -> EndpointMetrics {
        let backend = address.description
        let classes = ["1xx", "2xx", "3xx", "4xx", "5xx"].map { code in
            registry.makeCounter(
                descriptor: Self.name("mesh_requests", "total", "Responses from upstream endpoints, by service, backend and status class."), labels: [("service", service), ("backend", backend), ("code", code)])
        }
        let key = EndpointState.key(service: service, address: address)
        let metrics = EndpointMetrics(
            grpcResponses: { [self] status in
                let counter = registry.makeCounter(
                    descriptor: Self.name("mesh_grpc_responses", "total", "gRPC responses (HTTP 2xx) from upstream endpoints, by grpc-status."),
                    labels: [("service", service), ("backend", backend), ("grpc_status", String(status))])
                remember(key, counters: [counter], gauges: [])
                return counter
            },
            byClass: perRequest ? classes : [],
            ejections: registry.makeCounter(
                descriptor: Self.name("mesh_ejections", "total", "Times the outlier detector ejected the endpoint."), labels: [("service", service), ("backend", backend)]),
            healthCheckFailures: registry.makeCounter(
                descriptor: Self.name("mesh_health_check_failures", "total", "Active health checks that failed."), labels: [("service", service), ("backend", backend)]),
            healthy: registry.makeGauge(
                descriptor: Self.name("mesh_endpoint_healthy", "", "1 while the endpoint passes its active health check (or has none)."),
                labels: [("service", service), ("backend", backend)]),
            ejected: registry.makeGauge(
                descriptor: Self.name("mesh_endpoint_ejected", "", "1 while the endpoint is ejected or failing its health check."), labels: [("service", service), ("backend", backend)]))
        remember(key, counters: classes + [metrics.ejections, metrics.healthCheckFailures], gauges: [metrics.healthy, metrics.ejected])
        return metrics
    }
}

/// A service's metrics on one event loop (the histogram is loop-confined; the counters are shared atomics).
/// A class, not a struct: the hot path reaches it through `ServiceState.metrics`, and copying a struct of four
/// references out of that property cost four retains and four releases per use (seen in `perf`).
final class ServiceMetrics {
    let latency: LatencyHistogram
    let retries: Counter
    let budgetExhausted: Counter
    let ownAnswers: [String: Counter]

    init(latency: LatencyHistogram, retries: Counter, budgetExhausted: Counter, ownAnswers: [String: Counter]) {
        self.latency = latency
        self.retries = retries
        self.budgetExhausted = budgetExhausted
        self.ownAnswers = ownAnswers
    }

    func ownAnswer(_ reason: String) { ownAnswers[reason]?.increment() }
}

/// An endpoint's counters; a class for the same reason as `ServiceMetrics`.
final class EndpointMetrics: Sendable {
    /// Makes the counter of one `grpc-status` (0-16), on the endpoint's first gRPC response with it.
    let grpcResponses: @Sendable (Int) -> Counter
    let byClass: [Counter]
    let ejections: Counter
    let healthCheckFailures: Counter
    let healthy: Gauge
    let ejected: Gauge

    init(
        grpcResponses: @escaping @Sendable (Int) -> Counter, byClass: [Counter], ejections: Counter,
        healthCheckFailures: Counter, healthy: Gauge, ejected: Gauge
    ) {
        self.grpcResponses = grpcResponses
        self.byClass = byClass
        self.ejections = ejections
        self.healthCheckFailures = healthCheckFailures
        self.healthy = healthy
        self.ejected = ejected
    }

    @inline(__always)
    func record(status: Int) {
        let index = status / 100 - 1
        if index >= 0 && index < byClass.count { byClass[index].increment() }
    }
}
