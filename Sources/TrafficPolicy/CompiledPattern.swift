/// A route regex compiled once, with a fast path for the shapes people actually write.
///
/// Swift `Regex` takes microseconds per match, too slow for every request. Patterns of the forms `.*`, `lit`,
/// `lit.*`, `.*lit`, `.*lit.*` and `lit1|lit2|…` (optionally wrapped in `^…$`; `lit` of printable ASCII with
/// metacharacters escaped, e.g. `/v1\.0/.*`) are matched by byte comparison when the value is printable ASCII —
/// where the two are exactly equivalent (no newlines, one character per byte). Everything else, and any other
/// value, goes to the `Regex`, which is always compiled so that syntax errors are the same on both paths.
/// A class so that the per-request path retains one reference instead of copying a `Regex` and arrays.
final class CompiledPattern: @unchecked Sendable {
    // @unchecked: see HTTPRouteMatch — `Regex` is immutable and its lazy program is published atomically.

    /// The recognised simple shapes; bytes are UTF-8 of printable ASCII.
    enum Shape: Equatable {
        case any
        case literal([UInt8])
        case prefix([UInt8])
        case suffix([UInt8])
        case contains([UInt8])
        case oneOf([[UInt8]])
    }

    let regex: Regex<AnyRegexOutput>
    let shape: Shape?

    /// Compiles `pattern`; throws what `Regex(_:)` throws.
    init(_ pattern: String) throws {
        let regex = try Regex(pattern)
        // Matching once lowers the pattern to its program now, not on the first request.
        _ = try? regex.wholeMatch(in: "")
        self.regex = regex
        self.shape = Self.shape(of: pattern)
    }

    /// Whether `value` as a whole matches.
    func matches(_ value: Substring) -> Bool {
        if let shape, value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            let bytes = value.utf8
            switch shape {
            case .any: return true
            case .literal(let literal): return bytes.elementsEqual(literal)
            case .prefix(let literal): return bytes.starts(with: literal)
            case .suffix(let literal):
                return bytes.count >= literal.count
                    && bytes.dropFirst(bytes.count - literal.count).elementsEqual(literal)
            case .contains(let literal): return Self.bytes(bytes, contain: literal)
            case .oneOf(let literals): return literals.contains { bytes.elementsEqual($0) }
            }
        }
        return (try? regex.wholeMatch(in: value)) != nil
    }

    private static func bytes(_ haystack: Substring.UTF8View, contain needle: [UInt8]) -> Bool {
        if needle.isEmpty { return true }
        var start = haystack.startIndex
        while haystack.distance(from: start, to: haystack.endIndex) >= needle.count {
            if haystack[start...].starts(with: needle) { return true }
            start = haystack.index(after: start)
        }
        return false
    }

    /// The simple shape of `pattern`, or nil if it needs the regex engine.
    static func shape(of pattern: String) -> Shape? {
        var body = Substring(pattern)
        if body.hasPrefix("^") { body = body.dropFirst() }
        if body.hasSuffix("$") && !body.hasSuffix("\\$") { body = body.dropLast() }
        if body == ".*" { return .any }
        let parts = body.split(separator: "|", omittingEmptySubsequences: false)
        if parts.count > 1 {
            // Each alternative must be a plain literal; an unescaped `|` inside escapes cannot occur here because
            // `literal(_:)` rejects a trailing lone backslash.
            var literals: [[UInt8]] = []
            for part in parts {
                guard let literal = literal(part) else { return nil }
                literals.append(literal)
            }
            return .oneOf(literals)
        }
        let leadingAny = body.hasPrefix(".*")
        let trailingAny = body.count >= 2 && body.hasSuffix(".*") && !body.hasSuffix("\\.*")
        var core = body
        if leadingAny { core = core.dropFirst(2) }
        if trailingAny, core.count >= 2 { core = core.dropLast(2) } else if trailingAny { return nil }
        guard let literal = literal(core) else { return nil }
        switch (leadingAny, trailingAny) {
        case (false, false): return .literal(literal)
        case (false, true): return .prefix(literal)
        case (true, false): return .suffix(literal)
        case (true, true): return .contains(literal)
        }
    }

    /// Characters whose escaped form is certainly that character.
    private static let escapable = Set("\\.^$|?*+()[]{}/-".utf8)

    /// The bytes `text` matches literally, or nil if it has regex syntax (an unescaped metacharacter, a class
    /// escape such as `\d`) or anything but printable ASCII.
    static func literal(_ text: Substring) -> [UInt8]? {
        var bytes: [UInt8] = []
        var escaped = false
        for byte in text.utf8 {
            guard byte >= 0x20 && byte < 0x7F else { return nil }
            if escaped {
                // `\.` is a literal dot; other escapes (`\d`, `\w`, `\1`, `\<`…) are left to the regex engine.
                guard Self.escapable.contains(byte) else { return nil }
                bytes.append(byte)
                escaped = false
                continue
            }
            switch byte {
            case UInt8(ascii: "\\"): escaped = true
            case UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "|"), UInt8(ascii: "?"),
                UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["),
                UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"):
                return nil
            default: bytes.append(byte)
            }
        }
        return escaped ? nil : bytes
    }
}
