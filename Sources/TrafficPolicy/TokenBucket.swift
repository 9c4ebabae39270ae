/// A token bucket (local rate limiting, Envoy's `local_ratelimit`): `burst` requests may pass at once, and the
/// bucket refills at `requestsPerSecond`. Pure: the caller passes the monotonic clock, so tests use a fake one.
///
/// Whole numbers only: a token is `nanosPerSecond` units and every nanosecond adds `requestsPerSecond` units, so
/// refilling is exact (no floating-point drift over millions of requests).
public struct TokenBucket: Sendable, Hashable {
    /// What `admit` decided.
    public enum Verdict: Sendable, Hashable {
        case admitted
        /// No token: the next one is this many nanoseconds away.
        case limited(retryAfter: UInt64)
    }

    public let requestsPerSecond: UInt64
    public let burst: UInt64
    /// Units in the bucket (`tokens × nanosPerSecond`).
    private var units: UInt64
    /// When `units` was last brought up to date; nil before the first request (the bucket starts full).
    private var updatedAt: UInt64?

    static let nanosPerSecond: UInt64 = 1_000_000_000

    /// - Parameters:
    ///   - requestsPerSecond: the refill rate, at least 1.
    ///   - burst: the bucket's size in requests, at least 1.
    public init(requestsPerSecond: Int, burst: Int) {
        self.requestsPerSecond = UInt64(max(1, requestsPerSecond))
        self.burst = UInt64(max(1, burst))
        self.units = self.burst * Self.nanosPerSecond
        self.updatedAt = nil
    }

    private var capacity: UInt64 { burst * Self.nanosPerSecond }

    /// Takes a token for a request arriving at `now`, or says how long until one is there.
    public mutating func admit(now: UInt64) -> Verdict {
        refill(now: now)
        if units >= Self.nanosPerSecond {
            units -= Self.nanosPerSecond
            return .admitted
        }
        let missing = Self.nanosPerSecond - units
        return .limited(retryAfter: (missing + requestsPerSecond - 1) / requestsPerSecond)
    }

    private mutating func refill(now: UInt64) {
        defer { updatedAt = now }
        guard let updatedAt, now > updatedAt else { return }
        // Capped before multiplying, so a long idle time cannot overflow.
        let untilFull = (capacity - units + requestsPerSecond - 1) / requestsPerSecond
        let elapsed = min(now - updatedAt, untilFull)
        units = min(capacity, units + elapsed * requestsPerSecond)
    }

    /// `Retry-After` in whole seconds (RFC 9110 §10.2.3) for a wait: at least 1, rounded up.
    public static func retryAfterSeconds(_ nanos: UInt64) -> Int {
        Int(max(1, (nanos + nanosPerSecond - 1) / nanosPerSecond))
    }
}
