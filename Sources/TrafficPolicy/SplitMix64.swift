/// A small, fast, seedable random number generator (Steele, Lea and Flood's SplitMix64).
///
/// Every randomised decision in this module takes `inout some RandomNumberGenerator`, so tests pass a seeded
/// `SplitMix64` and replay the same sequence. The proxy may use one per event loop too, seeded once from
/// `SystemRandomNumberGenerator`: balancing needs speed, not unpredictability.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) {
        self.state = seed
    }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
