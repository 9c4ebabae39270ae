/// Durations as manifests write them: `500ms`, `2s`, `1m`, `1h`, and sums such as `1m30s` (Go and Kubernetes style,
/// without fractions). Stored as `Swift.Duration` so the operator can hand them to clocks directly.
public enum ManifestDuration {
    /// Parses `1h2m3s4ms`; nil for anything else (a bare number, a fraction, a unit we do not know).
    public static func parse(_ text: String) -> Duration? {
        var milliseconds: Int64 = 0
        var bytes = text.utf8[...]
        guard !bytes.isEmpty else { return nil }
        while !bytes.isEmpty {
            var number: Int64 = 0
            var digits = 0
            while let byte = bytes.first, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                let (times, overflow1) = number.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
                guard !overflow1, !overflow2, digits < 12 else { return nil }
                number = sum
                digits += 1
                bytes = bytes.dropFirst()
            }
            guard digits > 0 else { return nil }
            let unit: Int64
            if bytes.starts(with: "ms".utf8) {
                unit = 1
                bytes = bytes.dropFirst(2)
            } else if let byte = bytes.first {
                switch byte {
                case UInt8(ascii: "s"): unit = 1000
                case UInt8(ascii: "m"): unit = 60_000
                case UInt8(ascii: "h"): unit = 3_600_000
                default: return nil
                }
                bytes = bytes.dropFirst()
            } else {
                return nil
            }
            // `999999999999h999999999999h` must be an error, not a trap.
            let (part, overflow1) = number.multipliedReportingOverflow(by: unit)
            let (sum, overflow2) = milliseconds.addingReportingOverflow(part)
            guard !overflow1, !overflow2 else { return nil }
            milliseconds = sum
        }
        return .milliseconds(milliseconds)
    }

    /// The shortest canonical spelling: `1h30m`, `1m30s`, `1s500ms`, `500ms`, `0s`.
    static func format(_ duration: Duration) -> String {
        var remaining = milliseconds(duration)
        if remaining == 0 { return "0s" }
        var text = ""
        for (unit, suffix) in [(Int64(3_600_000), "h"), (60_000, "m"), (1000, "s"), (1, "ms")] {
            let count = remaining / unit
            if count > 0 {
                text += String(count) + suffix
                remaining -= count * unit
            }
        }
        return text
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
