/// A small block-style YAML emitter for canonical values. Strings are written plain only when every YAML 1.1 and
/// 1.2 reader (libyaml, kubectl, PyYAML) reads them back as the same string; otherwise they are double-quoted.
enum YAMLEmitter {
    static func document(_ value: CanonicalValue) -> String {
        var out = ""
        switch value {
        case .map(let fields) where !fields.isEmpty:
            emit(fields: fields, indent: 0, into: &out)
        case .list(let items) where !items.isEmpty:
            emit(items: items, indent: 0, into: &out)
        default:
            out += inline(value) + "\n"
        }
        return out
    }

    private static func emit(fields: [CanonicalValue.Field], indent: Int, into out: inout String, firstInline: Bool = false) {
        let pad = String(repeating: " ", count: indent)
        for (index, field) in fields.enumerated() {
            if !(firstInline && index == 0) { out += pad }
            out += scalar(field.key) + ":"
            switch field.value {
            case .map(let children) where !children.isEmpty:
                out += "\n"
                emit(fields: children, indent: indent + 2, into: &out)
            case .list(let items) where !items.isEmpty:
                // Kubernetes style: list items at the key's indentation.
                out += "\n"
                emit(items: items, indent: indent, into: &out)
            default:
                out += " " + inline(field.value) + "\n"
            }
        }
    }

    private static func emit(items: [CanonicalValue], indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        for item in items {
            out += pad + "- "
            switch item {
            case .map(let fields) where !fields.isEmpty:
                emit(fields: fields, indent: indent + 2, into: &out, firstInline: true)
            case .list(let children) where !children.isEmpty:
                out += "\n"
                emit(items: children, indent: indent + 2, into: &out)
            default:
                out += inline(item) + "\n"
            }
        }
    }

    private static func inline(_ value: CanonicalValue) -> String {
        switch value {
        case .string(let text): scalar(text)
        case .int(let number): String(number)
        case .decimal(let number): DecodeContext.format(number)
        case .bool(let flag): flag ? "true" : "false"
        case .list: "[]"
        case .map: "{}"
        }
    }

    static func scalar(_ text: String) -> String {
        isPlainSafe(text) ? text : JSONEmitter.quoted(text)
    }

    /// Words YAML 1.1 reads as booleans or null, in any case.
    private static let reserved: Set<String> = ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"]

    static func isPlainSafe(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last, bytes.count <= 200 else { return false }
        if reserved.contains(text.lowercased()) { return false }
        var hasColon = false
        var hasSpace = false
        var hasNonNumericLetter = false
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
                // Letters that can never be part of a YAML number (hex digits, e, x, o, b can).
                let lower = byte | 0x20
                if lower >= UInt8(ascii: "g"), lower != UInt8(ascii: "o"), lower != UInt8(ascii: "x") {
                    hasNonNumericLetter = true
                }
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "/"),
                UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "="), UInt8(ascii: "@"):
                break
            case UInt8(ascii: ":"):
                hasColon = true
            case UInt8(ascii: " "):
                hasSpace = true
            default:
                return false
            }
        }
        if hasColon && hasSpace { return false }
        if last == UInt8(ascii: ":") || last == UInt8(ascii: " ") { return false }
        switch first {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "/"):
            return true
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            // `100m`, `1m30s` and `500ms` are safe; `1e3`, `0x1F`, `12:30`, `2001-12-14` are not.
            return hasNonNumericLetter && !hasSpace
        default:
            return false
        }
    }
}
