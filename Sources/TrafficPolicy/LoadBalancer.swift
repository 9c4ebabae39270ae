/// Chooses one endpoint of a service for each request, learning from how requests went.
///
/// Endpoints are identified by their index in the service's current endpoint array (`0..<endpointCount`).
/// Implementations are value types with no locks: the proxy keeps one per service per event loop and calls it
/// from that loop only. A pick is O(1) or O(endpoints / 64) and never allocates.
///
/// The protocol for the proxy, per request attempt:
/// 1. `pick(excluding:now:using:)` (or `pick(excluding:avoiding:now:using:)` for a retry); nil means answer 503.
/// 2. `requestStarted(endpoint:now:)` at once — before the next pick on this loop — so concurrent picks see it.
/// 3. `requestFinished(endpoint:latency:outcome:now:)` exactly once when the attempt ends, however it ends.
public protocol LoadBalancer: Sendable {
    /// How many endpoints this balancer spreads requests over; valid endpoints are `0..<endpointCount`.
    var endpointCount: Int { get }

    /// Chooses an endpoint not in `excluded`, or nil when every endpoint is excluded (or there are none).
    ///
    /// Nil is deliberate: the proxy then answers 503 with a reason instead of sending traffic to an endpoint that
    /// was ejected or failed its health check. For "prefer another endpoint but fall back to this one", use
    /// `pick(excluding:avoiding:now:using:)`. Picking does not count the request as started.
    /// - Parameters:
    ///   - excluded: endpoints that must not be chosen (ejected, unhealthy).
    ///   - now: monotonic time in nanoseconds (e.g. `NIODeadline.now().uptimeNanoseconds`).
    ///   - rng: randomness for the randomised balancers; pass a seeded one in tests.
    mutating func pick<R: RandomNumberGenerator>(excluding excluded: EndpointSet, now: UInt64, using rng: inout R)
        -> Int?

    /// Records that a request was sent to `endpoint` (it is now in flight).
    mutating func requestStarted(endpoint: Int, now: UInt64)

    /// Records that the in-flight request to `endpoint` ended.
    /// - Parameters:
    ///   - latency: nanoseconds from `requestStarted` to the response head (or to the failure).
    ///   - outcome: how it ended; failures make latency-aware balancers avoid the endpoint (a fast failure must not
    ///     look like a fast endpoint), `cancelled` only ends the request.
    mutating func requestFinished(endpoint: Int, latency: UInt64, outcome: AttemptOutcome, now: UInt64)
}

extension LoadBalancer {
    /// Chooses an endpoint not in `excluded`, preferring one not in `avoided` either.
    ///
    /// This is the pick for a retry: pass the endpoint that just failed as `avoided`, so the retry goes elsewhere
    /// when another endpoint is available and back to the same one only when it is the last one left.
    /// Returns nil only when every endpoint is in `excluded`.
    public mutating func pick<R: RandomNumberGenerator>(
        excluding excluded: EndpointSet,
        avoiding avoided: EndpointSet,
        now: UInt64,
        using rng: inout R
    ) -> Int? {
        if !avoided.isEmpty, let endpoint = pick(excluding: excluded.union(avoided), now: now, using: &rng) {
            return endpoint
        }
        return pick(excluding: excluded, now: now, using: &rng)
    }

    /// Chooses an endpoint not in `excluded`, avoiding `endpoint` unless it is the only one left.
    public mutating func pick<R: RandomNumberGenerator>(
        excluding excluded: EndpointSet,
        avoiding endpoint: Int,
        now: UInt64,
        using rng: inout R
    ) -> Int? {
        if let other = pick(excluding: excluded.inserting(endpoint), now: now, using: &rng) { return other }
        return pick(excluding: excluded, now: now, using: &rng)
    }
}

/// The balancing algorithms a service can choose, named as users know them.
public enum LoadBalancerAlgorithm: Sendable, Hashable {
    /// Each endpoint in turn (Envoy `ROUND_ROBIN`).
    case roundRobin
    /// Power of two random choices on in-flight requests (Envoy `LEAST_REQUEST`, `choice_count` 2).
    case leastRequest
    /// Power of two random choices on peak-EWMA latency × (in-flight + 1), as Linkerd and Finagle. The default.
    case peakEWMA(PeakEWMA.Configuration)

    /// Peak EWMA with Linkerd's settings.
    public static let `default` = LoadBalancerAlgorithm.peakEWMA(PeakEWMA.Configuration())

    /// A fresh balancer of this kind over `endpointCount` endpoints.
    /// - Parameter startingAt: where round-robin starts; pass a random index so that many proxies don't all
    ///   begin with endpoint 0.
    public func makeBalancer(endpointCount: Int, startingAt: Int = 0) -> any LoadBalancer {
        switch self {
        case .roundRobin: RoundRobin(endpointCount: endpointCount, startingAt: startingAt)
        case .leastRequest: LeastRequest(endpointCount: endpointCount)
        case .peakEWMA(let configuration): PeakEWMA(endpointCount: endpointCount, configuration: configuration)
        }
    }

    /// A balancer of this kind for a new endpoint list after a config swap, keeping what `previous` learned about
    /// endpoints that stay when both are peak EWMA (the other kinds learn nothing worth keeping: in-flight counts
    /// stay with the requests' original balancer).
    public func makeBalancer(
        carryingOver previous: any LoadBalancer,
        mapping: EndpointMapping,
        startingAt: Int = 0
    ) -> any LoadBalancer {
        if case .peakEWMA(let configuration) = self, let previous = previous as? PeakEWMA {
            return PeakEWMA(carryingOver: previous, mapping: mapping, configuration: configuration)
        }
        return makeBalancer(endpointCount: mapping.newCount, startingAt: startingAt)
    }
}
