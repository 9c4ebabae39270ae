/// A duration in a sidecar configuration, kept in milliseconds.
///
/// Decodes from a manifest-style string (`"250ms"`, `"2s"`, `"1m"`, `"1h"`) or from a bare number of
/// milliseconds, so both a person and the reconciler can write it; always encodes as the string form so that
/// `GET /config` reads like the manifests it came from.
public struct ConfigDuration: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func ms(_ value: Int64) -> ConfigDuration { ConfigDuration(milliseconds: value) }
    public static func seconds(_ value: Int64) -> ConfigDuration { ConfigDuration(milliseconds: value * 1000) }

    /// Nanoseconds, the unit NIO's timers take.
    public var nanoseconds: Int64 { milliseconds &* 1_000_000 }

    public var description: String {
        if milliseconds != 0 && milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }

    /// Parses `"250ms"`, `"2s"`, `"1.5s"`, `"1m"`, `"1h"`; nil when the text is not one of those.
    public init?(parsing text: String) {
        let units: [(String, Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            // "ms" also ends in "s": only accept a suffix whose remainder is a plain number.
            guard let value = Double(number), value >= 0, value.isFinite, value * factor < 1e15 else { continue }
            self.milliseconds = Int64((value * factor).rounded())
            return
        }
        return nil
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            guard number >= 0 else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "a duration must be >= 0")
            }
            self.milliseconds = number
            return
        }
        let text = try container.decode(String.self)
        guard let parsed = ConfigDuration(parsing: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected a duration like \"250ms\", \"2s\" or \"1m\", got \"\(text)\"")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public static func < (lhs: ConfigDuration, rhs: ConfigDuration) -> Bool { lhs.milliseconds < rhs.milliseconds }
}
