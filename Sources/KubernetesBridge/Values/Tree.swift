import Manifests

/// Building and reading Kubernetes objects as `CanonicalValue` trees: the one ordered tree `ManifestEncoder` prints
/// as YAML, so exported objects come out in a fixed field order and the same input always gives the same bytes.
extension CanonicalValue {
    /// A map of the given fields in order, leaving out those whose value is nil.
    static func object(_ fields: [(String, CanonicalValue?)]) -> CanonicalValue {
        .map(fields.compactMap { key, value in value.map { Field(key, $0) } })
    }

    static func text(_ value: String?) -> CanonicalValue? { value.map { .string($0) } }

    static func number(_ value: Int?) -> CanonicalValue? { value.map { .int($0) } }

    /// A string map with keys sorted, nil when empty (so empty labels are not printed).
    static func sortedStrings(_ values: [String: String]) -> CanonicalValue? {
        values.isEmpty ? nil : .map(values.keys.sorted().map { Field($0, .string(values[$0]!)) })
    }

    static func strings(_ values: [String]) -> CanonicalValue { .list(values.map { .string($0) }) }

    /// The value under a key of a map.
    subscript(key: String) -> CanonicalValue? {
        guard case .map(let fields) = self else { return nil }
        return fields.first { $0.key == key }?.value
    }

    /// The value at a dotted path (`spec.analysis.interval`).
    func at(_ path: String) -> CanonicalValue? {
        var node: CanonicalValue? = self
        for key in path.split(separator: ".") { node = node?[String(key)] }
        return node
    }

    var stringValue: String? {
        switch self {
        case .string(let text): text
        case .int(let number): String(number)
        case .decimal(let number): String(number)
        case .bool(let flag): flag ? "true" : "false"
        default: nil
        }
    }

    var intValue: Int? {
        switch self {
        case .int(let number): number
        case .decimal(let number) where number == number.rounded(): Int(exactly: number)
        case .string(let text): Int(text)
        default: nil
        }
    }

    var doubleValue: Double? {
        switch self {
        case .int(let number): Double(number)
        case .decimal(let number): number
        case .string(let text): Double(text)
        default: nil
        }
    }

    var listValue: [CanonicalValue] {
        if case .list(let items) = self { return items }
        return []
    }

    var fields: [Field] {
        if case .map(let fields) = self { return fields }
        return []
    }

    /// A string map (labels, annotations); non-string values are printed as they read.
    var stringMap: [String: String] {
        var out: [String: String] = [:]
        for field in fields { out[field.key] = field.value.stringValue ?? "" }
        return out
    }

    /// This map with `value` at the dotted path, creating maps on the way; a nil value removes the key.
    func setting(_ path: [String], to value: CanonicalValue?) -> CanonicalValue {
        guard let head = path.first else { return value ?? self }
        var fields = self.fields
        let rest = Array(path.dropFirst())
        if let index = fields.firstIndex(where: { $0.key == head }) {
            if rest.isEmpty, value == nil {
                fields.remove(at: index)
            } else {
                fields[index].value = fields[index].value.setting(rest, to: value)
            }
        } else if value != nil {
            fields.append(Field(head, CanonicalValue.map([]).setting(rest, to: value)))
        }
        return .map(fields)
    }
}

extension Node {
    /// The YAML tree as values: plain scalars that read as whole numbers, decimals or booleans become those, the rest
    /// (quoted scalars included) stay strings, as sigs.k8s.io/yaml reads them.
    var canonicalValue: CanonicalValue {
        switch value {
        case .mapping(let pairs):
            return .map(pairs.map { CanonicalValue.Field($0.key.scalar?.text ?? "", $0.value.canonicalValue) })
        case .sequence(let items):
            return .list(items.map(\.canonicalValue))
        case .scalar(let scalar):
            guard scalar.style == .plain, tag == nil else { return .string(scalar.text) }
            if scalar.text == "true" { return .bool(true) }
            if scalar.text == "false" { return .bool(false) }
            if let number = Int(scalar.text) { return .int(number) }
            if scalar.text.contains("."), let number = Double(scalar.text) { return .decimal(number) }
            return .string(scalar.text)
        }
    }
}
