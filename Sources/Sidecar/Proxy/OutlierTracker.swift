import Prometheus
import SidecarConfig

/// Placeholder passive outlier detection (replaced by `TrafficPolicy.OutlierDetector`), with Envoy's semantics:
/// what counts is written here so users can read it (PRIOR-ART #8).
///
/// - A 5xx response counts towards `consecutive5xxErrors`; 502, 503, 504, connect failures, resets, timeouts and
///   protocol errors count towards `consecutiveGatewayErrors` (and, being 5xx-like, towards the first too).
/// - Any other response resets both counters.
/// - Ejection lasts `baseEjectionTime` × times ejected, capped at `maxEjectionTime`; at most
///   `maxEjectionPercent` of the service's endpoints are ejected at once (but at least one may be).
/// - After the penalty one probe request is let through; its success restores the endpoint, its failure ejects
///   it again at once.
enum OutlierTracker {
    static func record(status: Int, endpoint: EndpointState, service: ServiceState) {
        if status >= 500 {
            fail(endpoint: endpoint, service: service, gateway: status == 502 || status == 503 || status == 504)
        } else {
            succeed(endpoint: endpoint)
        }
    }

    static func recordGatewayFailure(endpoint: EndpointState, service: ServiceState) {
        fail(endpoint: endpoint, service: service, gateway: true)
    }

    private static func succeed(endpoint: EndpointState) {
        endpoint.consecutive5xx = 0
        endpoint.consecutiveGateway = 0
        if endpoint.probing || endpoint.ejectedUntil != 0 {
            endpoint.probing = false
            endpoint.ejectedUntil = 0
            endpoint.metrics.ejected.set(Int64(0))
        }
    }

    private static func fail(endpoint: EndpointState, service: ServiceState, gateway: Bool) {
        guard let config = service.config.outlierDetection else { return }
        endpoint.consecutive5xx += 1
        if gateway { endpoint.consecutiveGateway += 1 }
        let now = LoopContext.now()
        let tripped =
            endpoint.probing
            || (config.consecutive5xxErrors > 0 && endpoint.consecutive5xx >= config.consecutive5xxErrors)
            || (config.consecutiveGatewayErrors > 0 && endpoint.consecutiveGateway >= config.consecutiveGatewayErrors)
        guard tripped else { return }
        if !endpoint.probing {
            let ejected = service.endpoints.filter { $0 !== endpoint && $0.ejectedUntil > now }.count
            let allowed = max(1, service.endpoints.count * config.maxEjectionPercent / 100)
            guard ejected < allowed, config.maxEjectionPercent > 0 else { return }
        }
        endpoint.timesEjected += 1
        let penalty = min(
            config.baseEjectionTime.nanoseconds * Int64(endpoint.timesEjected), config.maxEjectionTime.nanoseconds)
        endpoint.ejectedUntil = now &+ UInt64(penalty)
        endpoint.probing = false
        endpoint.consecutive5xx = 0
        endpoint.consecutiveGateway = 0
        endpoint.metrics.ejections.increment()
        endpoint.metrics.ejected.set(Int64(1))
    }
}

extension EndpointState {
    /// Peak-EWMA (Linkerd): a slower response raises the estimate at once, faster ones pull it down with a decay
    /// of about 10 s.
    func observeLatency(nanos: UInt64, now: UInt64) {
        let sample = Double(nanos)
        if sample > ewmaNanos || ewmaStamp == 0 {
            ewmaNanos = sample
        } else {
            let elapsed = Double(now &- ewmaStamp)
            let weight = elapsed >= 1e10 ? 1.0 : elapsed / 1e10
            ewmaNanos = ewmaNanos * (1 - weight) + sample * weight
        }
        ewmaStamp = now
    }
}
