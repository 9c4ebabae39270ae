/// Power of two random choices on in-flight requests (Envoy's `LEAST_REQUEST` with `choice_count` 2).
///
/// Each pick draws two distinct allowed endpoints at random and takes the one with fewer requests in flight
/// (the first drawn on a tie). This avoids a busy endpoint almost as well as scanning all of them, at O(1) cost,
/// and without the herding of "always the least loaded" when many proxies decide at once.
public struct LeastRequest: LoadBalancer {
    /// Requests in flight per endpoint, as reported through `requestStarted` / `requestFinished`.
    public private(set) var inFlight: [Int]

    /// The number of endpoints; endpoints are `0..<endpointCount`.
    public var endpointCount: Int { inFlight.count }

    /// A balancer over `endpointCount` idle endpoints.
    public init(endpointCount: Int) {
        precondition(endpointCount >= 0, "endpoint count must be non-negative")
        self.inFlight = Array(repeating: 0, count: endpointCount)
    }

    /// Of two random allowed endpoints, the one with fewer in flight; nil when all are excluded.
    public mutating func pick<R: RandomNumberGenerator>(
        excluding excluded: EndpointSet,
        now: UInt64,
        using rng: inout R
    ) -> Int? {
        guard let (first, second) = powerOfTwoCandidates(count: inFlight.count, excluding: excluded, using: &rng)
        else { return nil }
        guard let second else { return first }
        return inFlight[second] < inFlight[first] ? second : first
    }

    /// Counts a request in flight on `endpoint`. Indices outside `0..<endpointCount` are ignored, so a request that
    /// began before a config swap cannot crash the proxy when it ends.
    public mutating func requestStarted(endpoint: Int, now: UInt64) {
        guard inFlight.indices.contains(endpoint) else { return }
        inFlight[endpoint] += 1
    }

    /// Ends an in-flight request on `endpoint`; the count never goes below zero.
    public mutating func requestFinished(endpoint: Int, latency: UInt64, outcome: AttemptOutcome, now: UInt64) {
        guard inFlight.indices.contains(endpoint) else { return }
        if inFlight[endpoint] > 0 { inFlight[endpoint] -= 1 }
    }
}
