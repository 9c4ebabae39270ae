/// A number in `0..<bound` from 64 random bits by multiply-high (Lemire). The bias, at most bound / 2^64, is
/// irrelevant for balancing; what matters is that this is plain, non-generic arithmetic: the stdlib's generic
/// `Int.random(in:using:)`, unspecialised across the module boundary, cost ~350 ns per call in a release build.
@inlinable
func uniform(_ bits: UInt64, below bound: Int) -> Int {
    Int(truncatingIfNeeded: bits.multipliedFullWidth(by: UInt64(bound)).high)
}

/// Draws the two candidates of a power-of-two-choices pick: two distinct endpoints chosen uniformly among those
/// in `0..<count` that are not excluded, or one when only one is allowed, or nil when none is.
///
/// O(count / 64) and allocation-free: it draws ranks among the allowed endpoints and maps them to indices.
@inlinable
func powerOfTwoCandidates<R: RandomNumberGenerator>(
    count: Int,
    excluding excluded: EndpointSet,
    using rng: inout R
) -> (first: Int, second: Int?)? {
    let allowed = excluded.isEmpty ? count : count - excluded.count(below: count)
    if allowed <= 0 { return nil }
    if allowed == 1 {
        guard let only = excluded.indexOfAbsent(rank: 0, below: count) else { return nil }
        return (only, nil)
    }
    let firstRank = uniform(rng.next(), below: allowed)
    var secondRank = uniform(rng.next(), below: allowed - 1)
    if secondRank >= firstRank { secondRank += 1 }  // distinct from the first, still uniform
    if excluded.isEmpty { return (firstRank, secondRank) }
    guard let first = excluded.indexOfAbsent(rank: firstRank, below: count),
        let second = excluded.indexOfAbsent(rank: secondRank, below: count)
    else { return nil }
    return (first, second)
}
