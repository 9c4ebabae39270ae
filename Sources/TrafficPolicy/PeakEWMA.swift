#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Power of two random choices on peak-EWMA latency × (in-flight + 1): Linkerd's and Finagle's balancer, our default.
///
/// Each endpoint carries a latency estimate that jumps up at once to any slower response (the "peak") and
/// otherwise moves toward newer, faster samples exponentially in time, with time constant `decay` (10 s). While no
/// response arrives the estimate decays toward zero, so an idle or penalised endpoint is tried again eventually.
/// A pick draws two distinct allowed endpoints and takes the one with the lower
/// `estimate × (inFlight + 1)`, so both slowness and queueing count.
///
/// New endpoints: an endpoint with no response yet costs nothing while idle, so it gets a request at once, and
/// costs more than any measured endpoint while that request is in flight, so it gets one at a time until it has
/// answered (Finagle's rule). A newly scaled-up replica is thus measured quickly without being flooded.
///
/// Failures: a failed attempt is recorded as if it took at least `failurePenalty`. Without that, an endpoint
/// answering 503 in 1 ms would look like the fastest one and attract more traffic (linkerd2 #11669).
public struct PeakEWMA: LoadBalancer {
    /// Tuning knobs; the defaults are Linkerd's.
    public struct Configuration: Sendable, Hashable {
        /// Time constant of the exponential decay, in nanoseconds. Linkerd: 10 s.
        public var decay: UInt64
        /// The least latency recorded for a failed attempt, in nanoseconds. Default 1 s.
        public var failurePenalty: UInt64

        /// Settings for peak EWMA; times in nanoseconds.
        public init(
            decay: UInt64 = 10_000_000_000,
            failurePenalty: UInt64 = 1_000_000_000
        ) {
            self.decay = max(decay, 1)
            self.failurePenalty = failurePenalty
        }
    }

    /// What the balancer knows about one endpoint.
    struct EndpointStats: Sendable {
        /// Latency estimate in nanoseconds as of `stamp`; nil until the first response.
        var estimate: Double?
        /// When `estimate` was last updated (monotonic nanoseconds).
        var stamp: UInt64 = 0
        var inFlight: Int = 0
    }

    /// The settings in use.
    public let configuration: Configuration
    private var stats: [EndpointStats]
    private let decayNanoseconds: Double

    /// The number of endpoints; endpoints are `0..<endpointCount`.
    public var endpointCount: Int { stats.count }

    /// A balancer over `endpointCount` endpoints about which nothing is known yet.
    public init(endpointCount: Int, configuration: Configuration = Configuration()) {
        precondition(endpointCount >= 0, "endpoint count must be non-negative")
        self.configuration = configuration
        self.stats = Array(repeating: EndpointStats(), count: endpointCount)
        self.decayNanoseconds = Double(configuration.decay)
    }

    /// A balancer for a new endpoint list that keeps the latency estimates of endpoints that were in `previous`
    /// (see `EndpointMapping`); new endpoints start unmeasured, and nothing is in flight.
    public init(carryingOver previous: PeakEWMA, mapping: EndpointMapping, configuration: Configuration? = nil) {
        self.init(endpointCount: mapping.newCount, configuration: configuration ?? previous.configuration)
        for (new, old) in mapping.oldIndex.enumerated() {
            guard let old, previous.stats.indices.contains(old) else { continue }
            stats[new].estimate = previous.stats[old].estimate
            stats[new].stamp = previous.stats[old].stamp
        }
    }

    /// e^(-elapsed/decay): how much of an old estimate survives `elapsed` nanoseconds.
    @inline(__always)
    private func survival(from stamp: UInt64, to now: UInt64) -> Double {
        let elapsed = now > stamp ? Double(now - stamp) : 0
        return exp(-elapsed / decayNanoseconds)
    }

    /// The latency estimate of `endpoint` at `now`, in nanoseconds, or nil before its first response
    /// (for metrics and tests).
    public func latencyEstimate(of endpoint: Int, now: UInt64) -> Double? {
        let endpointStats = stats[endpoint]
        guard let estimate = endpointStats.estimate else { return nil }
        return estimate * survival(from: endpointStats.stamp, to: now)
    }

    /// Requests in flight on `endpoint`.
    public func inFlight(of endpoint: Int) -> Int {
        stats[endpoint].inFlight
    }

    /// The load score a pick compares: latency estimate × (in-flight + 1). The estimate is floored at 1 ns so that
    /// in-flight requests still count for an endpoint that has answered instantly. Unmeasured endpoints: 0 while
    /// idle, a prohibitive penalty (growing with in-flight) while busy.
    @inline(__always)
    func cost(of endpoint: Int, now: UInt64) -> Double {
        let inFlight = Double(stats[endpoint].inFlight)
        guard let estimate = latencyEstimate(of: endpoint, now: now) else {
            return inFlight == 0 ? 0 : Self.unmeasuredPenalty + inFlight
        }
        return max(estimate, 1) * (inFlight + 1)
    }

    /// Cost of an unmeasured endpoint with a request in flight: above any real latency × load (about 31 years).
    private static let unmeasuredPenalty: Double = 1e18

    /// Of two random allowed endpoints, the one with the lower cost; nil when all are excluded.
    public mutating func pick<R: RandomNumberGenerator>(
        excluding excluded: EndpointSet,
        now: UInt64,
        using rng: inout R
    ) -> Int? {
        guard let (first, second) = powerOfTwoCandidates(count: stats.count, excluding: excluded, using: &rng)
        else { return nil }
        guard let second else { return first }
        return cost(of: second, now: now) < cost(of: first, now: now) ? second : first
    }

    /// Counts a request in flight on `endpoint`; indices outside the array are ignored.
    public mutating func requestStarted(endpoint: Int, now: UInt64) {
        guard stats.indices.contains(endpoint) else { return }
        stats[endpoint].inFlight += 1
    }

    /// Ends a request on `endpoint` and folds its latency into the estimate (failures at least `failurePenalty`;
    /// cancelled attempts add no sample). Indices outside the array are ignored.
    public mutating func requestFinished(endpoint: Int, latency: UInt64, outcome: AttemptOutcome, now: UInt64) {
        guard stats.indices.contains(endpoint) else { return }
        if stats[endpoint].inFlight > 0 { stats[endpoint].inFlight -= 1 }
        if case .cancelled = outcome { return }
        let sample = Double(outcome.isFailure ? max(latency, configuration.failurePenalty) : latency)
        observe(sample, endpoint: endpoint, now: now)
    }

    /// Peak-sensitive, time-weighted update: a slower sample replaces the (decayed) estimate at once; a faster one
    /// pulls it toward itself by `1 - e^(-Δt/decay)`, so the estimate moves on the `decay` time scale whatever the
    /// request rate.
    private mutating func observe(_ sample: Double, endpoint: Int, now: UInt64) {
        guard let estimate = stats[endpoint].estimate else {
            stats[endpoint].estimate = sample
            stats[endpoint].stamp = now
            return
        }
        let survival = survival(from: stats[endpoint].stamp, to: now)
        let decayed = estimate * survival
        stats[endpoint].estimate = sample >= decayed ? sample : decayed + (sample - decayed) * (1 - survival)
        stats[endpoint].stamp = max(now, stats[endpoint].stamp)
    }
}
