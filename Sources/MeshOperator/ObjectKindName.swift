import ArgumentParser

/// What users may type for a kind, as kubectl accepts plurals and short names.
enum ObjectKindName {
    static let aliases: [String: String] = [
        "service": "Service", "services": "Service", "svc": "Service",
        "trafficsplit": "TrafficSplit", "trafficsplits": "TrafficSplit", "split": "TrafficSplit",
        "splits": "TrafficSplit", "ts": "TrafficSplit",
        "retrypolicy": "RetryPolicy", "retrypolicies": "RetryPolicy", "rp": "RetryPolicy",
        "rollout": "Rollout", "rollouts": "Rollout", "ro": "Rollout",
        "httproutegroup": "HTTPRouteGroup", "httproutegroups": "HTTPRouteGroup", "routegroups": "HTTPRouteGroup",
        "faultinjection": "FaultInjection", "faultinjections": "FaultInjection", "fault": "FaultInjection",
        "faults": "FaultInjection",
        "authorizationpolicy": "AuthorizationPolicy", "authorizationpolicies": "AuthorizationPolicy",
        "authz": "AuthorizationPolicy",
        "httproute": "HTTPRoute", "httproutes": "HTTPRoute",
        "gateway": "Gateway", "gateways": "Gateway", "gtw": "Gateway",
        "gatewayclass": "GatewayClass", "gatewayclasses": "GatewayClass", "gc": "GatewayClass",
        "ratelimit": "RateLimit", "ratelimits": "RateLimit",
    ]

    static func kind(_ text: String) throws -> String {
        guard let kind = aliases[text.lowercased()] else {
            throw ValidationError("unknown kind \"\(text)\"; expected services, splits, retrypolicies, rollouts, "
                + "httproutegroups, faults, authorizationpolicies, httproutes, gateways, gatewayclasses, ratelimits or endpoints")
        }
        return kind
    }
}
