/// The API groups and versions each kind is accepted under.
public enum APIVersion {
    /// meshctl's own group, for the kinds SMI does not define (and for TrafficSplit/HTTPRouteGroup written natively).
    public static let mesh = "mesh.meshctl.dev/v1alpha1"

    /// SMI TrafficSplit versions, accepted as written. v1alpha1 weights are Kubernetes quantities.
    public static let smiSplit = [
        "split.smi-spec.io/v1alpha1", "split.smi-spec.io/v1alpha2", "split.smi-spec.io/v1alpha3",
        "split.smi-spec.io/v1alpha4",
    ]

    /// SMI HTTPRouteGroup versions.
    public static let smiSpecs = [
        "specs.smi-spec.io/v1alpha1", "specs.smi-spec.io/v1alpha2", "specs.smi-spec.io/v1alpha3",
        "specs.smi-spec.io/v1alpha4",
    ]

    /// Gateway API (HTTPRoute, Gateway, GatewayClass), standard channel; v1beta1 is the same shape.
    public static let gateway = "gateway.networking.k8s.io/v1"
    public static let gatewayVersions = [gateway, "gateway.networking.k8s.io/v1beta1"]

    static func accepted(for kind: ManifestKind) -> [String] {
        switch kind {
        case .service, .retryPolicy, .rollout, .faultInjection, .authorizationPolicy, .rateLimit: [mesh]
        case .trafficSplit: smiSplit + [mesh]
        case .httpRouteGroup: smiSpecs + [mesh]
        case .httpRoute, .gateway, .gatewayClass: gatewayVersions
        }
    }
}

/// The kinds meshctl understands.
public enum ManifestKind: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case service = "Service"
    case trafficSplit = "TrafficSplit"
    case httpRouteGroup = "HTTPRouteGroup"
    case retryPolicy = "RetryPolicy"
    case rollout = "Rollout"
    case faultInjection = "FaultInjection"
    case httpRoute = "HTTPRoute"
    case authorizationPolicy = "AuthorizationPolicy"
    case gatewayClass = "GatewayClass"
    case gateway = "Gateway"
    case rateLimit = "RateLimit"

    public static func < (lhs: ManifestKind, rhs: ManifestKind) -> Bool {
        lhs.order < rhs.order
    }

    /// Services first, then what refers to them: the order objects are applied and printed in.
    private var order: Int {
        switch self {
        case .service: 0
        case .httpRouteGroup: 1
        case .trafficSplit: 2
        case .retryPolicy: 3
        case .rollout: 4
        case .faultInjection: 5
        case .rateLimit: 6
        case .gatewayClass: 7
        case .gateway: 8
        case .httpRoute: 9
        case .authorizationPolicy: 10
        }
    }
}
