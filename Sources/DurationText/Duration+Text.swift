/// The mesh's one duration grammar, for manifests, proxy configurations and command-line flags alike.
///
/// Go's and Kubernetes' `time.ParseDuration` sums, a little stricter: one or more terms `NUMBER UNIT`, units `h`, `m`,
/// `s`, `ms` from largest to smallest with each at most once (`1h2m3s4ms`, `1m30s`, `250ms`); the last term may have a
/// decimal fraction (`1.5s`, `1m0.25s`) that comes to whole milliseconds. No sign, no spaces, no bare number (`0`
/// needs a unit too), at most Go's `Int64.max` nanoseconds.
extension Duration {
    /// The largest duration the grammar accepts, in milliseconds (about 2562047h): NIO's timers take `Int64`
    /// nanoseconds, as Go's `time.Duration` does.
    public static let maximumMilliseconds = Int64.max / 1_000_000

    /// Parses the grammar above; throws why not for anything else.
    public init(parsing text: String) throws(DurationTextError) {
        var parser = DurationParser(text)
        self = .milliseconds(try parser.parseMilliseconds())
    }

    /// Parses the grammar above; nil for anything else.
    public static func parse(_ text: String) -> Duration? {
        try? Duration(parsing: text)
    }

    /// The shortest spelling the grammar reads back: `1h30m`, `1m30s`, `1s500ms`, `250ms`, `0s`.
    /// Anything finer than a millisecond is dropped.
    public var canonicalText: String {
        var remaining = wholeMilliseconds
        if remaining == 0 { return "0s" }
        var text = remaining < 0 ? "-" : ""
        for (unit, suffix) in [(Int64(3_600_000), "h"), (60_000, "m"), (1000, "s"), (1, "ms")] {
            let count = remaining / unit
            if count != 0 {
                text += String(count.magnitude) + suffix
                remaining -= count * unit
            }
        }
        return text
    }

    /// Whole milliseconds, rounded toward zero and clamped to `Int64`.
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        return overflow2 ? (scaled < 0 ? .min : .max) : sum
    }
}

/// One pass over the UTF-8 bytes of a duration; a type of its own so each step reads as one small method.
private struct DurationParser {
    private let bytes: [UInt8]
    private var index = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    /// Units by rank: a term's unit must rank below the previous term's.
    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000),
    ]

    mutating func parseMilliseconds() throws(DurationTextError) -> Int64 {
        guard !bytes.isEmpty else { throw .empty }
        if bytes[0] == UInt8(ascii: "-") { throw .negative }
        var total: Int64 = 0
        var previousRank = Self.units.count
        var sawFraction = false
        while index < bytes.count {
            if sawFraction { throw .fractionNotLast }
            let whole = try digits()
            var fraction: (value: Int64, scale: Int64)?
            if peek == UInt8(ascii: ".") {
                index += 1
                fraction = try fractionDigits()
                sawFraction = true
            }
            let rank = try unitRank()
            guard rank < previousRank else { throw .unitOrder }
            previousRank = rank
            let unit = Self.units[rank].milliseconds
            var (part, overflow) = whole.multipliedReportingOverflow(by: unit)
            if overflow { throw .tooLarge }
            if let fraction {
                // value < 10^9 and unit <= 3.6e6, so the product fits in Int64.
                let numerator = fraction.value * unit
                guard numerator % fraction.scale == 0 else { throw .finerThanMillisecond }
                (part, overflow) = part.addingReportingOverflow(numerator / fraction.scale)
                if overflow { throw .tooLarge }
            }
            (total, overflow) = total.addingReportingOverflow(part)
            if overflow { throw .tooLarge }
        }
        guard total <= Duration.maximumMilliseconds else { throw .tooLarge }
        return total
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// One or more decimal digits.
    private mutating func digits() throws(DurationTextError) -> Int64 {
        var value: Int64 = 0
        let start = index
        while let byte = peek, Self.isDigit(byte) {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            if overflow1 || overflow2 { throw .tooLarge }
            value = sum
            index += 1
        }
        if index == start { throw .malformed }
        return value
    }

    /// The digits after a decimal point, as value / scale. Past nine digits only zeros are kept: a non-zero digit
    /// there can never come to whole milliseconds, even in hours.
    private mutating func fractionDigits() throws(DurationTextError) -> (value: Int64, scale: Int64) {
        var value: Int64 = 0
        var scale: Int64 = 1
        let start = index
        while let byte = peek, Self.isDigit(byte) {
            let digit = Int64(byte - UInt8(ascii: "0"))
            if scale < 1_000_000_000 {
                value = value * 10 + digit
                scale *= 10
            } else if digit != 0 {
                throw .finerThanMillisecond
            }
            index += 1
        }
        if index == start { throw .malformed }
        return (value, scale)
    }

    /// The unit after a number: a run of letters (or non-ASCII bytes, so `µs` is named in the error).
    private mutating func unitRank() throws(DurationTextError) -> Int {
        let start = index
        while let byte = peek, Self.isUnitByte(byte) { index += 1 }
        guard index > start else { throw peek == nil ? .missingUnit : .malformed }
        let unit = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let rank = Self.units.firstIndex(where: { $0.suffix == unit }) else { throw .unknownUnit(unit) }
        return rank
    }

    private static func isUnitByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte >= 0x80
    }
}
