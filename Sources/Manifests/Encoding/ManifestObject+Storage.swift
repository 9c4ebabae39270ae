extension ManifestObject {
    /// The canonical spec alone as JSON: what the operator stores, and compares to decide whether the generation
    /// moves (a label change does not move it; a spec change does).
    public var specJSON: String {
        guard case .map(let fields) = canonical, let spec = fields.first(where: { $0.key == "spec" }) else {
            return "{}\n"
        }
        return JSONEmitter.document(spec.value)
    }

    /// The whole object as canonical JSON, rebuilt from stored parts (apiVersion, kind, metadata, spec JSON): what
    /// `meshctl get` shows, and the one way back to a typed value for rows stored before typed forms were kept
    /// (JSON is YAML, so `ManifestSet.decode(sources:)` reads it through the same checks).
    public static func storedDocument(apiVersion: String, kind: String, name: String, labels: [String: String],
                                      annotations: [String: String], specJSON: String) -> String {
        var metadata = [CanonicalValue.Field("name", .string(name))]
        if !labels.isEmpty { metadata.append(.init("labels", .stringMap(labels))) }
        if !annotations.isEmpty { metadata.append(.init("annotations", .stringMap(annotations))) }
        let head = JSONEmitter.document(.map([
            .init("apiVersion", .string(apiVersion)), .init("kind", .string(kind)), .init("metadata", .map(metadata)),
        ]))
        // Splice the stored spec in as the last field: `{..., "metadata": {...}}` + `"spec": <json>`.
        let trimmed = head.trimmingSuffix(while: { $0 == "\n" || $0 == " " }).dropLastBrace()
        return trimmed + ",\n  \"spec\": " + specJSON.trimmingSuffix(while: { $0 == "\n" }) + "\n}\n"
    }
}

extension String {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> String {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return String(self[..<end])
    }
}

extension String {
    /// Drops the closing brace of a JSON object (and the whitespace before it).
    fileprivate func dropLastBrace() -> String {
        guard hasSuffix("}") else { return self }
        return String(dropLast()).trimmingSuffix(while: { $0 == "\n" || $0 == " " })
    }
}
