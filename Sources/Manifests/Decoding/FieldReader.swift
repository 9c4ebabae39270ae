/// Reads the fields of one YAML mapping by name. Every field a decoder asks for counts as known, so `finish()` can
/// reject the rest as unknown, with a "did you mean" suggestion taken from the known names.
struct FieldReader {
    let context: DecodeContext
    /// The mapping's own field path (`spec.healthCheck`); "" at the object's root.
    let path: String
    /// Where the mapping starts; missing required fields are reported here.
    let mark: Mark
    private let pairs: [Node.Pair]
    private var used: [Bool]
    private var known: [String] = []

    /// Reports and returns nil when the node is not a mapping. A null node reads as an empty mapping.
    init?(_ node: Node, path: String, context: DecodeContext) {
        self.context = context
        self.path = path
        self.mark = node.mark
        switch node.value {
        case .mapping(let pairs):
            self.pairs = pairs
        case .scalar(let scalar) where scalar.isNull:
            self.pairs = []
        default:
            context.error(node.mark, path, "expected a mapping, got \(context.describe(node))")
            return nil
        }
        self.used = Array(repeating: false, count: pairs.count)
    }

    func fieldPath(_ key: String) -> String {
        FieldPath.child(path, key)
    }

    /// The value of `key`, nil when absent or null (Kubernetes treats `field: null` as not set).
    mutating func value(_ key: String) -> Node? {
        known.append(key)
        for index in pairs.indices {
            guard case .scalar(let scalar) = pairs[index].key.value, scalar.text == key else { continue }
            used[index] = true
            let value = pairs[index].value
            if case .scalar(let valueScalar) = value.value, valueScalar.isNull, value.tag == nil { return nil }
            return value
        }
        return nil
    }

    /// Whether the key is written at all, even as null (`pause:` means "pause without a duration").
    func contains(_ key: String) -> Bool {
        pairs.contains { $0.key.scalar?.text == key }
    }

    /// Like `value`, but reports a missing field.
    mutating func required(_ key: String) -> Node? {
        guard let node = value(key) else {
            context.error(mark, fieldPath(key), "required field is missing")
            return nil
        }
        return node
    }

    /// Records where a field was written, for errors that cross-object validation reports later.
    func track(_ key: String, _ node: Node) {
        context.fieldMarks[fieldPath(key)] = node.mark
    }

    /// Reports every field that no decoder asked for.
    func finish() {
        for index in pairs.indices where !used[index] {
            let key = pairs[index].key
            guard case .scalar(let scalar) = key.value else {
                context.error(key.mark, path, "field names must be strings, got \(key.kindName)")
                continue
            }
            let suggestion = Suggestion.suffix(for: scalar.text, in: known)
            context.error(key.mark, fieldPath(scalar.text), "unknown field \(context.quoted(scalar.text))\(suggestion)")
        }
    }

    // MARK: typed fields

    mutating func string(_ key: String, required isRequired: Bool = false) -> String? {
        guard let node = isRequired ? required(key) : value(key) else { return nil }
        return context.nonEmptyString(node, fieldPath(key))
    }

    mutating func name(_ key: String, required isRequired: Bool = true, track shouldTrack: Bool = true) -> String? {
        guard let node = isRequired ? required(key) : value(key) else { return nil }
        if shouldTrack { track(key, node) }
        return context.name(node, fieldPath(key))
    }

    mutating func int(_ key: String, _ range: ClosedRange<Int>, required isRequired: Bool = false) -> Int? {
        guard let node = isRequired ? required(key) : value(key) else { return nil }
        return context.int(node, fieldPath(key), range)
    }

    mutating func int(_ key: String, _ range: ClosedRange<Int>, default defaultValue: Int) -> Int {
        guard let node = value(key) else { return defaultValue }
        return context.int(node, fieldPath(key), range) ?? defaultValue
    }

    mutating func decimal(_ key: String, _ range: ClosedRange<Double>, default defaultValue: Double) -> Double {
        guard let node = value(key) else { return defaultValue }
        return context.decimal(node, fieldPath(key), range) ?? defaultValue
    }

    mutating func bool(_ key: String, default defaultValue: Bool) -> Bool {
        guard let node = value(key) else { return defaultValue }
        return context.bool(node, fieldPath(key)) ?? defaultValue
    }

    mutating func duration(_ key: String, minimum: Duration = .zero) -> Duration? {
        guard let node = value(key) else { return nil }
        return context.duration(node, fieldPath(key), minimum: minimum)
    }

    mutating func duration(_ key: String, default defaultValue: Duration, minimum: Duration = .zero) -> Duration {
        guard let node = value(key) else { return defaultValue }
        return context.duration(node, fieldPath(key), minimum: minimum) ?? defaultValue
    }

    mutating func word<Value: RawRepresentable & CaseIterable>(_ key: String, default defaultValue: Value) -> Value
    where Value.RawValue == String {
        guard let node = value(key) else { return defaultValue }
        return context.word(node, fieldPath(key), as: Value.self) ?? defaultValue
    }

    mutating func stringMap(_ key: String) -> [String: String] {
        guard let node = value(key) else { return [:] }
        return context.stringMap(node, fieldPath(key)) ?? [:]
    }

    /// A list field: each item with its path (`spec.backends[1]`). Absent is an empty list.
    mutating func list(_ key: String, required isRequired: Bool = false) -> [(node: Node, path: String)] {
        guard let node = isRequired ? required(key) : value(key) else { return [] }
        let listPath = fieldPath(key)
        guard let items = context.list(node, listPath) else { return [] }
        return items.enumerated().map { (node: $1, path: FieldPath.index(listPath, $0)) }
    }

    /// The list's own node, for "must not be empty" errors.
    mutating func stringList(_ key: String) -> [String]? {
        guard let node = value(key) else { return nil }
        let listPath = fieldPath(key)
        guard let items = context.list(node, listPath) else { return nil }
        var result: [String] = []
        result.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            if let text = context.nonEmptyString(item, FieldPath.index(listPath, index)) { result.append(text) }
        }
        return result
    }

    /// A nested mapping, read by `body`; nil when absent.
    mutating func mapping<Result>(_ key: String, required isRequired: Bool = false, _ body: (inout FieldReader) -> Result?)
        -> Result?
    {
        guard let node = isRequired ? required(key) : value(key) else { return nil }
        guard var reader = FieldReader(node, path: fieldPath(key), context: context) else { return nil }
        let result = body(&reader)
        reader.finish()
        return result
    }
}
