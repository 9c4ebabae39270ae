extension RetryPolicy {
    public var canonical: CanonicalValue {
        var spec = CanonicalMap()
        spec.add("service", .string(self.spec.service))
        spec.add("attempts", .int(self.spec.attempts))
        spec.add("perTryTimeout", self.spec.perTryTimeout)
        spec.add("timeout", self.spec.timeout)
        spec.add(
            "retryOn",
            .list(
                self.spec.retryOn.map { condition in
                    if case .status(let code) = condition { return .int(code) }
                    return .string(condition.description)
                }
            )
        )
        var backoff = CanonicalMap()
        backoff.add("base", .duration(self.spec.backoff.base))
        backoff.add("max", .duration(self.spec.backoff.max))
        backoff.add("jitter", .int(self.spec.backoff.jitter))
        spec.add("backoff", backoff.value)
        var budget = CanonicalMap()
        budget.add("percent", .int(self.spec.budget.percent))
        budget.add("minRetriesPerSecond", .int(self.spec.budget.minRetriesPerSecond))
        spec.add("budget", budget.value)
        spec.add("idempotentOnly", .bool(self.spec.idempotentOnly))
        return ManifestObject.envelope(apiVersion: apiVersion, kind: .retryPolicy, metadata: metadata, spec: spec.value)
    }
}
