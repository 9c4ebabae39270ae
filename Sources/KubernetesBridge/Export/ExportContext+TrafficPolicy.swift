import DurationText
import Manifests

/// A Service's load balancer, outlier detection and connection limits: an Istio DestinationRule, or Linkerd's
/// failure-accrual annotations (Linkerd balances by peak EWMA and has no connection limits).
extension ExportContext {
    static let istioBalancers: [Service.LoadBalancer: String] = [.roundRobin: "ROUND_ROBIN", .leastRequest: "LEAST_REQUEST"]

    mutating func exportTrafficPolicy(_ service: Service, _ loaded: LoadedObject, annotations: inout [String: String]) {
        switch options.mesh {
        case .istio: exportDestinationRule(service, loaded, annotations: &annotations)
        case .linkerd: exportFailureAccrual(service, loaded, annotations: &annotations)
        }
    }

    private mutating func exportDestinationRule(_ service: Service, _ loaded: LoadedObject,
                                                annotations: inout [String: String])
    {
        let spec = service.spec
        var policy: [(String, CanonicalValue?)] = []
        if let simple = Self.istioBalancers[spec.loadBalancer] {
            policy.append(("loadBalancer", .object([("simple", .string(simple))])))
        } else {
            unmapped(loaded, "spec.loadBalancer", isDefault: true, into: &annotations,
                     "Istio has no peak-EWMA balancer (its default is LEAST_REQUEST)")
        }
        if spec.connectionPool != Service.ConnectionPool() || written(loaded, "spec.connectionPool") {
            let pool = spec.connectionPool
            policy.append(("connectionPool", .object([
                ("tcp", .object([("maxConnections", .int(pool.maxConnections))])),
                ("http", .object([("http1MaxPendingRequests", .int(pool.maxPendingRequests)),
                                  ("maxRequestsPerConnection", .int(pool.maxRequestsPerConnection))])),
            ])))
        }
        if let outlier = spec.outlierDetection {
            policy.append(("outlierDetection", .object([
                ("consecutive5xxErrors", .int(outlier.consecutive5xxErrors)),
                ("consecutiveGatewayErrors", .int(outlier.consecutiveGatewayErrors)),
                ("interval", .string(outlier.interval.canonicalText)),
                ("baseEjectionTime", .string(outlier.baseEjectionTime.canonicalText)),
                ("maxEjectionPercent", .int(outlier.maxEjectionPercent)),
            ])))
        }
        guard !policy.isEmpty else { return }
        emit("networking.istio.io/v1", "DestinationRule", name: service.metadata.name, from: loaded,
             body: [("spec", .object([("host", .string(host(service.metadata.name, of: loaded))),
                                      ("trafficPolicy", .object(policy))]))])
    }

    /// Linkerd's consecutive-failure accrual: failures in a row eject an endpoint for a backoff starting at the
    /// minimum penalty — meshctl's consecutive 5xx and base ejection time. The rest has no Linkerd setting.
    private mutating func exportFailureAccrual(_ service: Service, _ loaded: LoadedObject,
                                               annotations: inout [String: String])
    {
        let spec = service.spec
        if spec.loadBalancer != .p2cEWMA {
            unmapped(loaded, "spec.loadBalancer", isDefault: false, into: &annotations,
                     "Linkerd always balances by peak EWMA")
        }
        unmapped(loaded, "spec.connectionPool", isDefault: spec.connectionPool == Service.ConnectionPool(),
                 into: &annotations, "Linkerd has no connection or pending-request limits")
        guard let outlier = spec.outlierDetection else { return }
        annotations["balancer.linkerd.io/failure-accrual"] = "consecutive"
        annotations["balancer.linkerd.io/failure-accrual-consecutive-max-failures"] = String(outlier.consecutive5xxErrors)
        annotations["balancer.linkerd.io/failure-accrual-consecutive-min-penalty"] = outlier.baseEjectionTime.canonicalText
        let defaults = Service.OutlierDetection()
        unmapped(loaded, "spec.outlierDetection.consecutiveGatewayErrors",
                 isDefault: outlier.consecutiveGatewayErrors == defaults.consecutiveGatewayErrors, into: &annotations,
                 "Linkerd's failure accrual counts every failure alike")
        unmapped(loaded, "spec.outlierDetection.interval", isDefault: outlier.interval == defaults.interval,
                 into: &annotations, "Linkerd probes an ejected endpoint after its penalty, not on an interval")
        unmapped(loaded, "spec.outlierDetection.maxEjectionPercent",
                 isDefault: outlier.maxEjectionPercent == defaults.maxEjectionPercent, into: &annotations,
                 "Linkerd has no cap on ejected endpoints")
    }
}
