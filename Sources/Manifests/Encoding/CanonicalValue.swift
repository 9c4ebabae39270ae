import DurationText

/// The canonical form of an object: an ordered tree that both the YAML and the JSON emitters print. Field order is the
/// order the reference docs list fields in; maps the user wrote (labels, env, headers) are sorted by key.
public indirect enum CanonicalValue: Sendable, Hashable {
    case string(String)
    case int(Int)
    case decimal(Double)
    case bool(Bool)
    case list([CanonicalValue])
    case map([Field])

    public struct Field: Sendable, Hashable {
        public var key: String
        public var value: CanonicalValue

        public init(_ key: String, _ value: CanonicalValue) {
            self.key = key
            self.value = value
        }
    }

    static func duration(_ value: Duration) -> CanonicalValue {
        .string(value.canonicalText)
    }

    static func strings(_ values: [String]) -> CanonicalValue {
        .list(values.map { .string($0) })
    }

    static func stringMap(_ values: [String: String]) -> CanonicalValue {
        .map(values.keys.sorted().map { Field($0, .string(values[$0]!)) })
    }
}

/// Builds a map field by field, leaving out fields that are not set.
struct CanonicalMap {
    private(set) var fields: [CanonicalValue.Field] = []

    mutating func add(_ key: String, _ value: CanonicalValue) {
        fields.append(.init(key, value))
    }

    mutating func add(_ key: String, _ value: CanonicalValue?) {
        if let value { fields.append(.init(key, value)) }
    }

    mutating func add(_ key: String, _ value: String?) {
        if let value { fields.append(.init(key, .string(value))) }
    }

    mutating func add(_ key: String, _ value: Int?) {
        if let value { fields.append(.init(key, .int(value))) }
    }

    mutating func add(_ key: String, _ value: Duration?) {
        if let value { fields.append(.init(key, .duration(value))) }
    }

    /// Labels, env and the like: left out when empty.
    mutating func add(_ key: String, _ value: [String: String]) {
        if !value.isEmpty { fields.append(.init(key, .stringMap(value))) }
    }

    var value: CanonicalValue { .map(fields) }
}
