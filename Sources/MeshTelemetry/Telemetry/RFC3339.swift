import SidecarConfig

/// RFC 3339 timestamps (`2026-11-28T01:59:16.338Z`, `…+02:00`) to Unix seconds and back, without Foundation's
/// formatters: `meshctl logs` parses one per line.
public enum RFC3339 {
    /// Unix seconds of a timestamp at the start of `text`, or nil. Fractional seconds of any length; `Z`, `z` or
    /// an offset; `T`, `t` or a space between date and time.
    public static func parse<S: StringProtocol>(_ text: S) -> Double? {
        parsePrefix(text)?.seconds
    }

    /// The timestamp at the start of `text` and how many UTF-8 bytes it spans.
    public static func parsePrefix<S: StringProtocol>(_ text: S) -> (seconds: Double, length: Int)? {
        let b = Array(text.utf8.prefix(40))
        func digits(_ at: Int, _ count: Int) -> Int? {
            guard at + count <= b.count else { return nil }
            var value = 0
            for i in at..<(at + count) {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                value = value * 10 + Int(b[i] - 0x30)
            }
            return value
        }
        func byte(_ at: Int) -> UInt8? { at < b.count ? b[at] : nil }
        guard let year = digits(0, 4), byte(4) == 0x2D, let month = digits(5, 2), byte(7) == 0x2D,
            let day = digits(8, 2), let sep = byte(10), sep == 0x54 || sep == 0x74 || sep == 0x20,
            let hour = digits(11, 2), byte(13) == 0x3A, let minute = digits(14, 2), byte(16) == 0x3A,
            let second = digits(17, 2), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60,
            second < 61
        else { return nil }
        var i = 19
        var fraction = 0.0
        if byte(i) == 0x2E {
            i += 1
            var scale = 0.1
            let start = i
            while let c = byte(i), c >= 0x30 && c <= 0x39 {
                fraction += Double(c - 0x30) * scale
                scale /= 10
                i += 1
            }
            if i == start { return nil }
        }
        var offset = 0
        switch byte(i) {
        case 0x5A, 0x7A:
            i += 1
        case 0x2B, 0x2D:
            guard let oh = digits(i + 1, 2), byte(i + 3) == 0x3A, let om = digits(i + 4, 2) else { return nil }
            offset = (oh * 60 + om) * 60 * (byte(i) == 0x2D ? -1 : 1)
            i += 6
        default:
            return nil
        }
        let days = CivilDate.days(year: year, month: month, day: day)
        let seconds = Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction
        return (seconds, i)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` of Unix seconds.
    public static func format(_ seconds: Double) -> String {
        let millisTotal = Int((seconds * 1000).rounded(.down))
        let whole = millisTotal >= 0 ? millisTotal / 1000 : (millisTotal - 999) / 1000
        let millis = millisTotal - whole * 1000
        let days = whole >= 0 ? whole / 86_400 : (whole - 86_399) / 86_400
        let secondOfDay = whole - days * 86_400
        let (y, m, d) = CivilDate.date(days: days)
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):"
            + "\(pad(secondOfDay % 60, 2)).\(pad(millis, 3))Z"
    }
}
