/// Why a text is not a duration in the mesh's one grammar (see `Duration(parsing:)`).
public enum DurationTextError: Error, Sendable, Hashable, CustomStringConvertible {
    case empty
    /// A number with no unit, such as `10` or the `30` of `1m30`.
    case missingUnit
    case unknownUnit(String)
    case negative
    /// Units out of order or repeated (`30s1m`, `1s1s`): almost always a typo, so refused rather than summed.
    case unitOrder
    /// A fraction before another term (`1.5m30s`): only the last term may have one.
    case fractionNotLast
    /// Fractions must come to whole milliseconds (`1.5s`, not `0.5ms`): every timer in the mesh counts in them.
    case finerThanMillisecond
    /// More than Go's limit of `Int64.max` nanoseconds (about 2562047h), which NIO's timers also take.
    case tooLarge
    /// Anything else: spaces, signs, a bare `.5s`, a stray character.
    case malformed

    public var description: String {
        switch self {
        case .empty: "empty"
        case .missingUnit: "add a unit: ms, s, m or h"
        case .unknownUnit(let unit): "unknown unit \"\(unit)\", use ms, s, m or h"
        case .negative: "must not be negative"
        case .unitOrder: "units go from largest to smallest, each at most once, as in 1h2m3s4ms"
        case .fractionNotLast: "only the last part may have a fraction, as in 1m1.5s"
        case .finerThanMillisecond: "finer than a millisecond"
        case .tooLarge: "too large, at most 2562047h"
        case .malformed: "not a number followed by a unit"
        }
    }
}
