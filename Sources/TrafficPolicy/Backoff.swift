/// Exponential backoff between retries, with jitter so that many clients retrying at once spread out.
///
/// The ceiling for retry n (from 1) is `min(maximum, base × 2^(n-1))`; the delay is drawn below it as `jitter`
/// says. Defaults are Envoy's: base 25 ms, maximum 10 × base, full jitter. Times in nanoseconds.
public struct Backoff: Sendable, Hashable {
    /// How much randomness to add below the exponential ceiling.
    public enum Jitter: Sendable, Hashable {
        /// Exactly the ceiling; only for tests and single clients.
        case none
        /// Uniform in `0...ceiling` (AWS's "full jitter"; Envoy): best at spreading a herd.
        case full
        /// Uniform in `ceiling × (1 − ratio)...ceiling`, ratio in 0...1: keeps a floor under the delay.
        /// `proportional(0.5)` is "equal jitter".
        case proportional(Double)
    }

    /// Ceiling of the first retry's delay, in nanoseconds.
    public var base: UInt64
    /// Largest delay ever returned, in nanoseconds.
    public var maximum: UInt64
    /// Randomness below the ceiling.
    public var jitter: Jitter

    /// Backoff settings; `base` and `maximum` in nanoseconds (`maximum` is raised to `base` if below it).
    public init(base: UInt64 = 25_000_000, maximum: UInt64? = nil, jitter: Jitter = .full) {
        self.base = base
        self.maximum = max(maximum ?? base.multipliedReportingOverflow(by: 10).partialValue, base)
        self.jitter = jitter
    }

    /// The delay ceiling before retry `retry` (1 for the first retry), without jitter.
    public func ceiling(forRetry retry: Int) -> UInt64 {
        let doublings = max(retry, 1) - 1
        // base << doublings, saturating at maximum instead of overflowing.
        if base == 0 { return 0 }
        if doublings >= base.leadingZeroBitCount { return maximum }
        return min(base << UInt64(doublings), maximum)
    }

    /// The delay before retry `retry` (1 for the first retry), in nanoseconds, jittered with `rng`.
    public func delay<R: RandomNumberGenerator>(forRetry retry: Int, using rng: inout R) -> UInt64 {
        let ceiling = ceiling(forRetry: retry)
        switch jitter {
        case .none:
            return ceiling
        case .full:
            return UInt64.random(in: 0...ceiling, using: &rng)
        case .proportional(let ratio):
            let clamped = ratio.isNaN ? 0 : min(max(ratio, 0), 1)
            let floor = UInt64((Double(ceiling) * (1 - clamped)).rounded(.up))
            return UInt64.random(in: min(floor, ceiling)...ceiling, using: &rng)
        }
    }
}
