/// A set of HTTP status codes from 400 to 599 (the ones a retry policy may list), as a bitmap: asking whether a
/// response's status is in it is one shift and mask on the request path, with nothing to hash or retain.
public struct StatusCodeSet: Sendable, Hashable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// The lowest code the set can hold.
    public static let range = 400...599

    /// The empty set.
    public init() {}

    /// The codes of `codes` that are in `range`; others are left out (validation refuses them before).
    public init(_ codes: some Sequence<Int>) {
        for code in codes { insert(code) }
    }

    /// Adds `code` if it is in `range`.
    public mutating func insert(_ code: Int) {
        guard Self.range.contains(code) else { return }
        let bit = code - Self.range.lowerBound
        let mask = UInt64(1) << UInt64(bit % 64)
        switch bit / 64 {
        case 0: words.0 |= mask
        case 1: words.1 |= mask
        case 2: words.2 |= mask
        default: words.3 |= mask
        }
    }

    /// Whether `code` is in the set.
    @inlinable
    public func contains(_ code: Int) -> Bool {
        guard code >= 400 && code <= 599 else { return false }
        return word((code - 400) / 64) & (UInt64(1) << UInt64((code - 400) % 64)) != 0
    }

    @usableFromInline
    func word(_ index: Int) -> UInt64 {
        switch index {
        case 0: words.0
        case 1: words.1
        case 2: words.2
        default: words.3
        }
    }

    /// True when no code is in the set.
    public var isEmpty: Bool { words == (0, 0, 0, 0) }

    public static func == (lhs: StatusCodeSet, rhs: StatusCodeSet) -> Bool { lhs.words == rhs.words }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
