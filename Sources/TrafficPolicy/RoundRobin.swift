/// Sends requests to each endpoint in turn, skipping excluded ones (Envoy's `ROUND_ROBIN`).
///
/// Ignores latency and load; use it where endpoints are identical and requests uniform, or for benchmarks.
public struct RoundRobin: LoadBalancer {
    /// The number of endpoints; endpoints are `0..<endpointCount`.
    public let endpointCount: Int
    /// The endpoint the next pick tries first.
    private var next: Int

    /// A round-robin over `endpointCount` endpoints, first picking `startingAt` (modulo the count).
    public init(endpointCount: Int, startingAt: Int = 0) {
        precondition(endpointCount >= 0, "endpoint count must be non-negative")
        self.endpointCount = endpointCount
        self.next = endpointCount == 0 ? 0 : ((startingAt % endpointCount) + endpointCount) % endpointCount
    }

    /// The next endpoint in turn that is not excluded; nil when all are excluded. O(1) with nothing excluded.
    public mutating func pick<R: RandomNumberGenerator>(
        excluding excluded: EndpointSet,
        now: UInt64,
        using rng: inout R
    ) -> Int? {
        guard endpointCount > 0 else { return nil }
        var candidate = next
        for _ in 0..<endpointCount {
            if !excluded.contains(candidate) {
                next = candidate + 1 == endpointCount ? 0 : candidate + 1
                return candidate
            }
            candidate = candidate + 1 == endpointCount ? 0 : candidate + 1
        }
        return nil
    }

    /// Round-robin keeps no per-request state.
    public mutating func requestStarted(endpoint: Int, now: UInt64) {}

    /// Round-robin keeps no per-request state.
    public mutating func requestFinished(endpoint: Int, latency: UInt64, outcome: AttemptOutcome, now: UInt64) {}
}
