import DurationText
import Manifests

/// RetryPolicy → Istio VirtualService `retries`/`timeout`, or a Linkerd ServiceProfile (retryable routes, a timeout
/// and the retry budget).
extension ExportContext {
    static let nameAnnotation = annotationPrefix + "name"
    /// What meshctl's `idempotentOnly` retries.
    static let idempotentMethods = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]

    mutating func exportRetryPolicy(_ policy: RetryPolicy, _ loaded: LoadedObject) {
        switch options.mesh {
        case .istio: exportVirtualService(policy, loaded)
        case .linkerd: exportServiceProfile(policy, loaded)
        }
    }

    private mutating func exportVirtualService(_ policy: RetryPolicy, _ loaded: LoadedObject) {
        let spec = policy.spec
        let defaults = RetryPolicy.Spec(service: spec.service)
        var annotations = policy.metadata.annotations
        carryUnmappedFields(loaded, into: &annotations)
        let host = host(spec.service, of: loaded)
        var retries: [(String, CanonicalValue?)] = [
            ("attempts", .int(spec.attempts)),
            ("perTryTimeout", .text(spec.perTryTimeout?.canonicalText)),
            ("retryOn", .string(spec.retryOn.map(\.description).joined(separator: ","))),
        ]
        if spec.backoff.base != defaults.backoff.base || written(loaded, "spec.backoff.base") {
            retries.append(("backoff", .string(spec.backoff.base.canonicalText)))
        }
        unmapped(loaded, "spec.backoff.max", isDefault: spec.backoff.max == defaults.backoff.max,
                 into: &annotations, "Istio's retry backoff has only a base interval")
        unmapped(loaded, "spec.backoff.jitter", isDefault: spec.backoff.jitter == defaults.backoff.jitter,
                 into: &annotations, "Istio's retry backoff has only a base interval")
        unmapped(loaded, "spec.budget", isDefault: spec.budget == defaults.budget, into: &annotations,
                 "Istio has no retry budget (Envoy's retry budget is not exposed by VirtualService)")
        unmapped(loaded, "spec.idempotentOnly", isDefault: spec.idempotentOnly == defaults.idempotentOnly,
                 into: &annotations, "Istio retries any method")
        let route = CanonicalValue.object([
            ("destination", .object([("host", .string(host)),
                                     ("port", .number(port(of: spec.service)).map { .object([("number", $0)]) })])),
        ])
        let http = CanonicalValue.object([
            ("route", .list([route])),
            ("timeout", .text(spec.timeout?.canonicalText)),
            ("retries", .object(retries)),
        ])
        if options.split == .gateway, splitRoots.contains(spec.service) {
            warn(loaded, "spec.service", "Istio should not route one host by both an HTTPRoute (the split) and a "
                     + "VirtualService (these retries): check the effective routing, or put the split's weights into "
                     + "this VirtualService")
        }
        if policy.metadata.name != spec.service { annotations[Self.nameAnnotation] = policy.metadata.name }
        emit("networking.istio.io/v1", "VirtualService", name: policy.metadata.name, from: loaded,
             labels: policy.metadata.labels, annotations: annotations,
             body: [("spec", .object([("hosts", .strings([host])), ("http", .list([http]))]))])
    }

    private mutating func exportServiceProfile(_ policy: RetryPolicy, _ loaded: LoadedObject) {
        let spec = policy.spec
        let defaults = RetryPolicy.Spec(service: spec.service)
        var annotations = policy.metadata.annotations
        carryUnmappedFields(loaded, into: &annotations)
        annotations[Self.nameAnnotation] = policy.metadata.name
        unmapped(loaded, "spec.attempts", isDefault: spec.attempts == defaults.attempts, into: &annotations,
                 "Linkerd bounds retries by its budget, not by a count")
        unmapped(loaded, "spec.perTryTimeout", isDefault: spec.perTryTimeout == nil, into: &annotations,
                 "a ServiceProfile has only a whole-request timeout")
        unmapped(loaded, "spec.backoff", isDefault: spec.backoff == defaults.backoff, into: &annotations,
                 "Linkerd chooses its own retry backoff")
        let classified = spec.retryOn.allSatisfy {
            switch $0 {
            case .serverError, .gatewayError, .status: true
            case .connectFailure, .reset, .grpc: false
            }
        }
        unmapped(loaded, "spec.retryOn", isDefault: spec.retryOn == defaults.retryOn && classified,
                 into: &annotations,
                 "Linkerd retries responses its responseClasses mark as failures; connection failures and resets are not configurable")
        let failures: [CanonicalValue] = spec.retryOn.compactMap { condition in
            let range: (Int, Int)? = switch condition {
            case .serverError: (500, 599)
            case .gatewayError: (502, 504)
            case .status(let code): (code, code)
            case .connectFailure, .reset, .grpc: nil
            }
            return range.map { .object([("condition", .object([("status", .object([("min", .int($0.0)), ("max", .int($0.1))]))])),
                                        ("isFailure", .bool(true))]) }
        }
        func route(_ name: String, _ condition: CanonicalValue, retryable: Bool) -> CanonicalValue {
            .object([
                ("name", .string(name)), ("condition", condition),
                ("responseClasses", failures.isEmpty ? nil : .list(failures)),
                ("isRetryable", .bool(retryable && spec.attempts > 0)),
                ("timeout", .text(spec.timeout?.canonicalText)),
            ])
        }
        // The first matching route applies: idempotent methods first when only they may be retried.
        var routes: [CanonicalValue] = []
        if spec.idempotentOnly {
            let methods: [CanonicalValue] = Self.idempotentMethods.map { .object([("method", .string($0))]) }
            routes.append(route("idempotent", .object([("any", .list(methods))]), retryable: true))
        }
        routes.append(route("all", .object([("pathRegex", .string(".*"))]), retryable: !spec.idempotentOnly))
        let budget = CanonicalValue.object([
            ("retryRatio", .decimal(Double(spec.budget.percent) / 100)),
            ("minRetriesPerSecond", .int(spec.budget.minRetriesPerSecond)),
            ("ttl", .string("10s")),
        ])
        emit("linkerd.io/v1alpha2", "ServiceProfile", name: host(spec.service, of: loaded), from: loaded,
             labels: policy.metadata.labels, annotations: annotations,
             body: [("spec", .object([("routes", .list(routes)), ("retryBudget", budget)]))])
    }
}
