import Manifests
import SidecarConfig

/// Field-by-field translation from manifest kinds to the sidecar schema. The two differ where the data plane wants
/// a different unit (tries instead of retries, a fraction instead of a percent), and nowhere else.
enum ManifestTranslation {
    static func serviceConfig(_ service: Service, name: String, endpoints: [String]) -> ServiceConfig {
        let spec = service.spec
        let lb: ServiceConfig.LoadBalancerKind
        switch spec.loadBalancer {
        case .roundRobin: lb = .roundRobin
        case .leastRequest: lb = .leastRequest
        case .p2cEWMA: lb = .p2cEWMA
        }
        let appProtocol: ServiceConfig.AppProtocol
        switch spec.appProtocol {
        case .http: appProtocol = .http
        case .http2: appProtocol = .http2
        case .grpc: appProtocol = .grpc
        case .tcp: appProtocol = .tcp
        }
        let outlier = spec.outlierDetection.map {
            OutlierDetection(consecutive5xxErrors: $0.consecutive5xxErrors,
                             consecutiveGatewayErrors: $0.consecutiveGatewayErrors,
                             interval: $0.interval,
                             baseEjectionTime: $0.baseEjectionTime,
                             maxEjectionPercent: $0.maxEjectionPercent)
        }
        // A gRPC check is the operator's (only replicas it runs have one): proxies check over HTTP/1.1 only.
        let health = spec.healthCheck.flatMap { $0.grpc != nil ? nil : $0 }.map {
            HealthCheck(path: $0.path, interval: $0.interval, timeout: $0.timeout,
                        healthyThreshold: $0.healthyThreshold, unhealthyThreshold: $0.unhealthyThreshold)
        }
        let limits = ConnectionLimits(maxConnections: spec.connectionPool.maxConnections,
                                      maxPendingRequests: spec.connectionPool.maxPendingRequests,
                                      maxRequestsPerConnection: spec.connectionPool.maxRequestsPerConnection)
        let rateLimit = spec.rateLimit.map { RateLimitConfig(requestsPerSecond: $0.requestsPerSecond, burst: $0.burst) }
        return ServiceConfig(name: name, endpoints: endpoints, appProtocol: appProtocol, loadBalancer: lb,
                             outlierDetection: outlier,
                             healthCheck: health, connectionLimits: limits, rateLimit: rateLimit)
    }

    static func splitConfig(_ split: TrafficSplit, overrides: [String: Int]?,
                            groups: [String: HTTPRouteGroup], pinned: [PinnedRoute] = []) -> TrafficSplitConfig {
        let backends = split.spec.backends.map {
            TrafficSplitConfig.Backend(service: $0.service, weight: overrides?[$0.service] ?? $0.weight)
        }
        var matches: [RouteMatch] = []
        for reference in split.spec.matches {
            guard let group = groups[reference.name] else { continue }
            for match in group.spec.matches where reference.matches.isEmpty || reference.matches.contains(match.name) {
                matches.append(RouteMatch(name: "\(group.metadata.name)/\(match.name)", pathRegex: match.pathRegex,
                                          methods: match.methods, headers: match.headers))
            }
        }
        return TrafficSplitConfig(name: split.metadata.name, rootService: split.spec.service, backends: backends,
                                  matches: matches, pinnedRoutes: pinned)
    }

    static func faultConfig(_ fault: FaultInjection) -> FaultConfig {
        let spec = fault.spec
        return FaultConfig(
            name: "faultinjection/\(fault.metadata.name)", service: spec.service,
            match: spec.match.map { RouteMatch(name: "match", pathRegex: $0.pathRegex, methods: $0.methods, headers: $0.headers) },
            delay: spec.delay.map { .init(fixedDelay: $0.fixedDelay, percentage: $0.percentage) },
            abort: spec.abort.map { .init(httpStatus: $0.httpStatus, grpcStatus: $0.grpcStatus, percentage: $0.percentage) })
    }

    static func authorizationConfig(_ policy: AuthorizationPolicy) -> AuthorizationPolicyConfig {
        AuthorizationPolicyConfig(
            name: policy.metadata.name,
            action: policy.spec.action == .deny ? .deny : .allow,
            rules: policy.spec.rules.map { .init(from: $0.from, methods: $0.methods, paths: $0.paths) })
    }

    static func retryPolicyConfig(_ policy: RetryPolicy) -> RetryPolicyConfig {
        let spec = policy.spec
        var retryOn: [RetryPolicyConfig.RetryOn] = []
        var codes: [Int] = []
        for condition in spec.retryOn {
            switch condition {
            case .serverError: retryOn.append(.serverError)
            case .gatewayError: retryOn.append(.gatewayError)
            case .connectFailure: retryOn.append(.connectFailure)
            case .reset: retryOn.append(.reset)
            case .status(let code): codes.append(code)
            case .grpc(let status): if let condition = RetryPolicyConfig.RetryOn(grpcStatus: status) { retryOn.append(condition) }
            }
        }
        if !codes.isEmpty { retryOn.append(.retriableStatusCodes) }
        return RetryPolicyConfig(
            name: policy.metadata.name, service: spec.service,
            attempts: spec.attempts + 1,  // the manifest counts retries (Istio); the proxy counts tries
            perTryTimeout: spec.perTryTimeout, timeout: spec.timeout,
            retryOn: retryOn, retriableStatusCodes: codes,
            backoff: .init(base: spec.backoff.base, max: spec.backoff.max,
                           jitter: Double(spec.backoff.jitter) / 100),
            budget: .init(percent: Double(spec.budget.percent), minRetriesPerSecond: spec.budget.minRetriesPerSecond),
            retryNonIdempotent: !spec.idempotentOnly)
    }
}
