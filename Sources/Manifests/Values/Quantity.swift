/// Kubernetes quantities as SMI `split.smi-spec.io/v1alpha1` weights use them: `1` is `1000m`. Only the forms a
/// weight can take are accepted (whole numbers, a milli suffix, up to three decimals), in thousandths.
enum Quantity {
    /// `100m` -> 100, `1` -> 1000, `1.5` -> 1500; nil for anything else.
    static func parseMilli(_ text: String) -> Int? {
        var bytes = Array(text.utf8)
        if bytes.last == UInt8(ascii: "m") {
            bytes.removeLast()
            guard !bytes.isEmpty, bytes.count <= 15, bytes.allSatisfy(isDigit) else { return nil }
            return Int(String(decoding: bytes, as: UTF8.self))
        }
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.count <= 12,
            whole.allSatisfy(isDigit)
        else { return nil }
        var value = Int(String(decoding: whole, as: UTF8.self))! * 1000
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.count <= 3, fraction.allSatisfy(isDigit) else { return nil }
            var thousandths = Int(String(decoding: fraction, as: UTF8.self))!
            for _ in fraction.count..<3 { thousandths *= 10 }
            value += thousandths
        }
        return value
    }

    /// The canonical spelling: `1` for whole units, else `100m`.
    static func formatMilli(_ value: Int) -> String {
        value % 1000 == 0 ? String(value / 1000) : String(value) + "m"
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
