/// A set of endpoint indices (positions in a service's current endpoint array), used to tell a balancer which
/// endpoints to avoid: ejected ones, unhealthy ones, the one that just failed.
///
/// The first 64 indices live in one inline word, so the common case never allocates; larger services spill into
/// an array that grows on first use. Indices must be non-negative.
public struct EndpointSet: Sendable, Hashable {
    /// Bits for indices 0..<64.
    @usableFromInline var low: UInt64
    /// Bits for indices 64..., 64 per word; empty (no allocation) until such an index is inserted.
    @usableFromInline var high: [UInt64]

    /// The empty set.
    @inlinable
    public init() {
        self.low = 0
        self.high = []
    }

    /// A set holding exactly `index`.
    public init(_ index: Int) {
        self.init()
        insert(index)
    }

    /// A set holding `indices`.
    public init(_ indices: some Sequence<Int>) {
        self.init()
        for index in indices { insert(index) }
    }

    /// True when no index is in the set.
    @inlinable
    public var isEmpty: Bool {
        low == 0 && high.allSatisfy { $0 == 0 }
    }

    /// Whether `index` is in the set.
    @inlinable
    public func contains(_ index: Int) -> Bool {
        if index < 64 { return index >= 0 && low & (1 << UInt64(index)) != 0 }
        let word = index / 64 - 1
        return word < high.count && high[word] & (1 << UInt64(index % 64)) != 0
    }

    /// Adds `index`.
    @inlinable
    public mutating func insert(_ index: Int) {
        precondition(index >= 0, "endpoint index must be non-negative")
        if index < 64 {
            low |= 1 << UInt64(index)
            return
        }
        let word = index / 64 - 1
        if word >= high.count { high.append(contentsOf: repeatElement(0, count: word - high.count + 1)) }
        high[word] |= 1 << UInt64(index % 64)
    }

    /// Removes `index` if present.
    @inlinable
    public mutating func remove(_ index: Int) {
        if index < 0 { return }
        if index < 64 {
            low &= ~(1 << UInt64(index))
            return
        }
        let word = index / 64 - 1
        if word < high.count { high[word] &= ~(1 << UInt64(index % 64)) }
    }

    /// The set with `index` added; handy for `ejected.inserting(justFailed)`.
    @inlinable
    public func inserting(_ index: Int) -> EndpointSet {
        var copy = self
        copy.insert(index)
        return copy
    }

    /// Both sets' members.
    public func union(_ other: EndpointSet) -> EndpointSet {
        var result = self
        result.formUnion(other)
        return result
    }

    /// Adds every member of `other`.
    public mutating func formUnion(_ other: EndpointSet) {
        low |= other.low
        if other.high.isEmpty { return }
        if high.count < other.high.count {
            high.append(contentsOf: repeatElement(0, count: other.high.count - high.count))
        }
        for word in other.high.indices { high[word] |= other.high[word] }
    }

    /// Word `word` of the bitmap (word 0 is indices 0..<64); zero past the end.
    @inlinable
    func bits(ofWord word: Int) -> UInt64 {
        word == 0 ? low : (word - 1 < high.count ? high[word - 1] : 0)
    }

    /// How many members are below `count`, i.e. how many of endpoints `0..<count` are in the set.
    @inlinable
    public func count(below count: Int) -> Int {
        var total = 0
        var word = 0
        while word * 64 < count {
            var bits = bits(ofWord: word)
            let remaining = count - word * 64
            if remaining < 64 { bits &= (1 << UInt64(remaining)) - 1 }
            total += bits.nonzeroBitCount
            word += 1
        }
        return total
    }

    /// The index of the `rank`-th (from 0) endpoint in `0..<count` that is NOT in the set.
    ///
    /// O(count / 64): whole words are skipped by population count, so picking uniformly among the allowed
    /// endpoints costs no allocation and no per-endpoint scan. Returns nil if there are not that many.
    @inlinable
    public func indexOfAbsent(rank: Int, below count: Int) -> Int? {
        var remainingRank = rank
        var word = 0
        while word * 64 < count {
            var free = ~bits(ofWord: word)
            let remaining = count - word * 64
            if remaining < 64 { free &= (1 << UInt64(remaining)) - 1 }
            let available = free.nonzeroBitCount
            if remainingRank < available {
                // Drop the lowest set bit `remainingRank` times, then the lowest one left is the answer.
                for _ in 0..<remainingRank { free &= free - 1 }
                return word * 64 + free.trailingZeroBitCount
            }
            remainingRank -= available
            word += 1
        }
        return nil
    }
}

extension EndpointSet {
    /// Same members, whatever the storage: trailing zero words (left by `remove`) do not count.
    public static func == (lhs: EndpointSet, rhs: EndpointSet) -> Bool {
        guard lhs.low == rhs.low else { return false }
        let words = max(lhs.high.count, rhs.high.count)
        for word in 0..<words where lhs.bits(ofWord: word + 1) != rhs.bits(ofWord: word + 1) { return false }
        return true
    }

    /// Hashes the members, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(low)
        let significant = (high.lastIndex { $0 != 0 } ?? -1) + 1
        for word in 0..<significant { hasher.combine(high[word]) }
    }
}

extension EndpointSet: ExpressibleByArrayLiteral {
    /// A set from a literal list of indices, e.g. `[0, 3]`.
    public init(arrayLiteral elements: Int...) {
        self.init(elements)
    }
}

extension EndpointSet: CustomStringConvertible {
    /// The members in ascending order, e.g. `[0, 3]`, for logs and test failures.
    public var description: String {
        let limit = 64 * (high.count + 1)
        return "\((0..<limit).filter { contains($0) })"
    }
}
