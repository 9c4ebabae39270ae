import DurationText

/// Scalars decode by the type of the field they fill, never by how YAML 1.1 would guess: `name: no` is the string
/// "no", `port: 8080` is a number and `port: "8080"` is rejected (as Kubernetes does) because the quotes say "string".
extension DecodeContext {
    /// What a user would call the node in "got ..." (`"a lot"`, `a list`, `null`).
    func describe(_ node: Node) -> String {
        guard case .scalar(let scalar) = node.value else { return node.kindName }
        if scalar.isNull { return "null" }
        return quoted(scalar.text)
    }

    func quoted(_ text: String) -> String {
        var out = "\""
        for character in text.unicodeScalars {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(character)
            }
        }
        return out + "\""
    }

    func string(_ node: Node, _ path: String) -> String? {
        guard case .scalar(let scalar) = node.value, !scalar.isNull else {
            error(node.mark, path, "expected a string, got \(node.kindName)")
            return nil
        }
        return scalar.text
    }

    /// A non-empty string.
    func nonEmptyString(_ node: Node, _ path: String) -> String? {
        guard let text = string(node, path) else { return nil }
        if text.isEmpty {
            error(node.mark, path, "must not be empty")
            return nil
        }
        return text
    }

    func int(_ node: Node, _ path: String, _ range: ClosedRange<Int>) -> Int? {
        let expected = "expected a whole number " + describe(range)
        guard case .scalar(let scalar) = node.value, !scalar.isNull else {
            error(node.mark, path, "\(expected), got \(node.kindName)")
            return nil
        }
        guard let value = Self.parseInt(scalar.text) else {
            error(node.mark, path, "\(expected), got \(quoted(scalar.text))")
            return nil
        }
        guard scalar.style == .plain, node.tag == nil || node.tag == "tag:yaml.org,2002:int" else {
            error(node.mark, path, "\(expected), got the string \(quoted(scalar.text)) (write numbers without quotes)")
            return nil
        }
        guard range.contains(value) else {
            error(node.mark, path, "\(expected), got \(value)")
            return nil
        }
        return value
    }

    func describe(_ range: ClosedRange<Int>) -> String {
        range.upperBound == Int.max ? ">= \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
    }

    /// A decimal such as `99` or `99.5` (percentages), in range.
    func decimal(_ node: Node, _ path: String, _ range: ClosedRange<Double>) -> Double? {
        let expected = "expected a number from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))"
        guard case .scalar(let scalar) = node.value, !scalar.isNull else {
            error(node.mark, path, "\(expected), got \(node.kindName)")
            return nil
        }
        guard let value = Self.parseDecimal(scalar.text) else {
            error(node.mark, path, "\(expected), got \(quoted(scalar.text))")
            return nil
        }
        guard scalar.style == .plain else {
            error(node.mark, path, "\(expected), got the string \(quoted(scalar.text)) (write numbers without quotes)")
            return nil
        }
        guard range.contains(value) else {
            error(node.mark, path, "\(expected), got \(scalar.text)")
            return nil
        }
        return value
    }

    func bool(_ node: Node, _ path: String) -> Bool? {
        if case .scalar(let scalar) = node.value, scalar.style == .plain {
            if scalar.text == "true" { return true }
            if scalar.text == "false" { return false }
        }
        // `yes`, `on` and `"true"` are rejected instead of guessed at: YAML 1.1 and 1.2 disagree on them.
        error(node.mark, path, "expected true or false, got \(describe(node))")
        return nil
    }

    func duration(_ node: Node, _ path: String, minimum: Duration = .zero) -> Duration? {
        let expected = "expected a duration such as 500ms, 1.5s, 1m or 1m30s"
        guard case .scalar(let scalar) = node.value, !scalar.isNull else {
            error(node.mark, path, "\(expected), got \(node.kindName)")
            return nil
        }
        let value: Duration
        do {
            value = try Duration(parsing: scalar.text)
        } catch {
            self.error(node.mark, path, "\(expected), got \(quoted(scalar.text)) (\(error))")
            return nil
        }
        guard value >= minimum else {
            error(node.mark, path, "must be at least \(minimum.canonicalText), got \(scalar.text)")
            return nil
        }
        return value
    }

    /// One of a fixed set of words, with a suggestion for a near miss.
    func word<Value: RawRepresentable & CaseIterable>(_ node: Node, _ path: String, as type: Value.Type) -> Value?
    where Value.RawValue == String {
        guard let text = string(node, path) else { return nil }
        if let value = Value(rawValue: text) { return value }
        let names = Value.allCases.map(\.rawValue)
        let list = names.map { quoted($0) }.joined(separator: ", ")
        error(node.mark, path, "unknown value \(quoted(text)), expected one of \(list)")
        return nil
    }

    /// A DNS-1123 label naming an object.
    func name(_ node: Node, _ path: String) -> String? {
        guard let text = string(node, path) else { return nil }
        guard DNSLabel.isValid(text) else {
            error(
                node.mark,
                path,
                "\(quoted(text)) is not a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)"
            )
            return nil
        }
        return text
    }

    func list(_ node: Node, _ path: String) -> [Node]? {
        if case .sequence(let items) = node.value { return items }
        error(node.mark, path, "expected a list, got \(describe(node))")
        return nil
    }

    /// A mapping of strings to strings (labels, annotations, env, headers), keys unique.
    func stringMap(_ node: Node, _ path: String) -> [String: String]? {
        guard case .mapping(let pairs) = node.value else {
            error(node.mark, path, "expected a mapping, got \(describe(node))")
            return nil
        }
        var result: [String: String] = [:]
        var ok = true
        for pair in pairs {
            guard let key = string(pair.key, path) else {
                ok = false
                continue
            }
            let valuePath = FieldPath.child(path, key)
            if case .scalar(let scalar) = pair.value.value, scalar.style == .plain, scalar.isNull {
                result[key] = ""
            } else if let value = string(pair.value, valuePath) {
                result[key] = value
            } else {
                ok = false
            }
        }
        return ok ? result : nil
    }

    static func parseInt(_ text: String) -> Int? {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        var negative = false
        for (offset, byte) in bytes.enumerated() {
            if offset == 0, byte == UInt8(ascii: "-"), bytes.count > 1 {
                negative = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return negative ? -value : value
    }

    static func parseDecimal(_ text: String) -> Double? {
        guard !text.isEmpty, text.utf8.count <= 24,
            text.utf8.allSatisfy({ ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".") }),
            text.utf8.first != UInt8(ascii: "."), text.utf8.last != UInt8(ascii: ".")
        else { return nil }
        return Double(text)
    }

    /// `99` for whole numbers, `99.5` otherwise.
    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
