/// One decoded, schema-checked manifest of any kind.
public enum ManifestObject: Sendable, Hashable, Codable {
    case service(Service)
    case trafficSplit(TrafficSplit)
    case httpRouteGroup(HTTPRouteGroup)
    case retryPolicy(RetryPolicy)
    case rollout(Rollout)
    case faultInjection(FaultInjection)
    case httpRoute(HTTPRoute)
    case authorizationPolicy(AuthorizationPolicy)
    case gateway(Gateway)
    case gatewayClass(GatewayClass)
    case rateLimit(RateLimit)

    public var kind: ManifestKind {
        switch self {
        case .service: .service
        case .trafficSplit: .trafficSplit
        case .httpRouteGroup: .httpRouteGroup
        case .retryPolicy: .retryPolicy
        case .rollout: .rollout
        case .faultInjection: .faultInjection
        case .httpRoute: .httpRoute
        case .authorizationPolicy: .authorizationPolicy
        case .gateway: .gateway
        case .gatewayClass: .gatewayClass
        case .rateLimit: .rateLimit
        }
    }

    public var apiVersion: String {
        switch self {
        case .service(let object): object.apiVersion
        case .trafficSplit(let object): object.apiVersion
        case .httpRouteGroup(let object): object.apiVersion
        case .retryPolicy(let object): object.apiVersion
        case .rollout(let object): object.apiVersion
        case .faultInjection(let object): object.apiVersion
        case .httpRoute(let object): object.apiVersion
        case .authorizationPolicy(let object): object.apiVersion
        case .gateway(let object): object.apiVersion
        case .gatewayClass(let object): object.apiVersion
        case .rateLimit(let object): object.apiVersion
        }
    }

    public var metadata: ObjectMeta {
        switch self {
        case .service(let object): object.metadata
        case .trafficSplit(let object): object.metadata
        case .httpRouteGroup(let object): object.metadata
        case .retryPolicy(let object): object.metadata
        case .rollout(let object): object.metadata
        case .faultInjection(let object): object.metadata
        case .httpRoute(let object): object.metadata
        case .authorizationPolicy(let object): object.metadata
        case .gateway(let object): object.metadata
        case .gatewayClass(let object): object.metadata
        case .rateLimit(let object): object.metadata
        }
    }

    public var name: String { metadata.name }

    public var key: ObjectKey { ObjectKey(kind: kind, name: metadata.name) }

    public var service: Service? {
        if case .service(let object) = self { object } else { nil }
    }

    public var trafficSplit: TrafficSplit? {
        if case .trafficSplit(let object) = self { object } else { nil }
    }

    public var httpRouteGroup: HTTPRouteGroup? {
        if case .httpRouteGroup(let object) = self { object } else { nil }
    }

    public var retryPolicy: RetryPolicy? {
        if case .retryPolicy(let object) = self { object } else { nil }
    }

    public var rollout: Rollout? {
        if case .rollout(let object) = self { object } else { nil }
    }

    public var faultInjection: FaultInjection? {
        if case .faultInjection(let object) = self { object } else { nil }
    }

    public var httpRoute: HTTPRoute? {
        if case .httpRoute(let object) = self { object } else { nil }
    }

    public var authorizationPolicy: AuthorizationPolicy? {
        if case .authorizationPolicy(let object) = self { object } else { nil }
    }

    public var gateway: Gateway? {
        if case .gateway(let object) = self { object } else { nil }
    }
}
