import Manifests

/// One-line JSON for annotation values (a carried meshctl field, a command line): short, and readable back with the
/// YAML loader since JSON is YAML.
enum CompactJSON {
    static func text(_ value: CanonicalValue) -> String {
        switch value {
        case .string(let text): quoted(text)
        case .int(let number): String(number)
        case .decimal(let number): number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
        case .bool(let flag): flag ? "true" : "false"
        case .list(let items): "[" + items.map(text).joined(separator: ",") + "]"
        case .map(let fields): "{" + fields.map { quoted($0.key) + ":" + text($0.value) }.joined(separator: ",") + "}"
        }
    }

    /// A JSON string literal, escaped as meshctl's JSON output escapes it.
    static func quoted(_ text: String) -> String {
        String(ManifestEncoder.json(.string(text)).dropLast())
    }

    /// The value an annotation holds, or nil when it is not valid JSON/YAML.
    static func value(_ text: String) -> CanonicalValue? {
        let result = YAMLLoader().load(Array(text.utf8), file: "(annotation)")
        guard result.diagnostics.isEmpty, let root = result.documents.first?.root else { return nil }
        return root.canonicalValue
    }
}
