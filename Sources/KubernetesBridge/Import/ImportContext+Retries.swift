import Manifests

/// Istio VirtualService retries/timeout or a Linkerd ServiceProfile → RetryPolicy.
extension ImportContext {
    mutating func readVirtualService(_ service: KubernetesDocument) {
        guard let host = service.spec["hosts"]?.listValue.first?.stringValue,
              let http = service.spec["http"]?.listValue.first
        else {
            error(service, "spec.http", "a RetryPolicy needs hosts and an http route")
            return
        }
        if (http["route"]?.listValue.count ?? 0) > 1 {
            warn(service, "the weights of VirtualService/\(service.name) are not imported (meshctl splits are HTTPRoutes or TrafficSplits)")
        }
        let retries = http["retries"] ?? .map([])
        let retryOn: CanonicalValue? = retries["retryOn"]?.stringValue.map { text in
            .list(text.split(separator: ",").map { word in Int(word).map { .int($0) } ?? .string(String(word)) })
        }
        let spec = CanonicalValue.object([
            ("service", .string(serviceName(ofHost: host))),
            ("attempts", retries["attempts"]), ("perTryTimeout", retries["perTryTimeout"]),
            ("timeout", http["timeout"]), ("retryOn", retryOn),
            ("backoff", retries["backoff"].map { .object([("base", $0)]) }),
        ])
        let name = service.carried["name"] ?? service.name
        add(.retryPolicy, metadata: service.meshMetadata(name: name), spec: spec, from: [service])
    }

    mutating func readServiceProfile(_ profile: KubernetesDocument) {
        let routes = profile.spec["routes"]?.listValue ?? []
        let service = serviceName(ofHost: profile.name)
        let retryable = routes.contains { $0["isRetryable"] == .bool(true) }
        // Export writes the idempotent methods as a route of their own, first.
        let idempotentOnly = routes.count > 1 && routes.first?.at("condition.any") != nil
        var retryOn: [CanonicalValue] = []
        for response in routes.first?["responseClasses"]?.listValue ?? [] where response["isFailure"] == .bool(true) {
            let low = response.at("condition.status.min")?.intValue
            let high = response.at("condition.status.max")?.intValue
            switch (low, high) {
            case (500, 599): retryOn.append(.string("5xx"))
            case (502, 504): retryOn.append(.string("gateway-error"))
            case (let low?, let high?) where low == high: retryOn.append(.int(low))
            default: warn(profile, "responseClasses status \(low ?? 0)-\(high ?? 0) has no meshctl retryOn; ignored")
            }
        }
        let budget = profile.spec["retryBudget"].map { budget in
            CanonicalValue.object([
                ("percent", budget["retryRatio"]?.doubleValue.map { .int(Int(($0 * 100).rounded())) }),
                ("minRetriesPerSecond", budget["minRetriesPerSecond"]),
            ])
        }
        let spec = CanonicalValue.object([
            ("service", .string(service)),
            ("attempts", retryable ? nil : .int(0)),
            ("timeout", routes.first?["timeout"]),
            ("retryOn", retryOn.isEmpty ? nil : .list(retryOn)),
            ("budget", budget),
            ("idempotentOnly", .bool(idempotentOnly)),
        ])
        let name = profile.carried["name"] ?? service
        add(.retryPolicy, metadata: profile.meshMetadata(name: name), spec: spec, from: [profile])
    }
}
