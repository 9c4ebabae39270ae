extension Service {
    /// Local rate limiting of each replica (a token bucket in its sidecar's inbound listener): `burst` requests
    /// at once, refilled at `requestsPerSecond`; past it the sidecar answers 429 with `Retry-After`.
    public struct RateLimit: Sendable, Hashable, Codable {
        public var requestsPerSecond: Int
        /// Defaults to `requestsPerSecond` (one second's worth).
        public var burst: Int

        public init(requestsPerSecond: Int, burst: Int? = nil) {
            self.requestsPerSecond = requestsPerSecond
            self.burst = burst ?? requestsPerSecond
        }

        /// The largest rate and burst accepted.
        public static let maximum = 1_000_000
    }
}

extension Service.RateLimit {
    init?(decoding reader: inout FieldReader) {
        // Both read before giving up, so a bad rate does not hide a bad burst (or call it unknown).
        let rate = reader.int("requestsPerSecond", 1...Self.maximum, required: true)
        let burst = reader.int("burst", 1...Self.maximum, required: false)
        guard let rate else { return nil }
        self.init(requestsPerSecond: rate, burst: burst ?? rate)
    }

    var canonical: CanonicalValue {
        var map = CanonicalMap()
        map.add("requestsPerSecond", .int(requestsPerSecond))
        map.add("burst", .int(burst))
        return map.value
    }
}

extension Service.Spec {
    /// `spec.rateLimit`: only for a service whose replicas the operator runs, since their sidecars enforce it.
    static func rateLimit(decoding spec: inout FieldReader, workload: Service.Workload) -> Service.RateLimit? {
        guard let node = spec.value("rateLimit") else { return nil }
        let limit = spec.mapping("rateLimit") { reader in Service.RateLimit(decoding: &reader) }
        if case .command = workload { return limit }
        spec.context.error(
            node.mark, spec.fieldPath("rateLimit"),
            "only allowed together with command: each replica's sidecar enforces it")
        return nil
    }
}
