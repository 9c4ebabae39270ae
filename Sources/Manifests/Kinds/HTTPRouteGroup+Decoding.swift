extension HTTPRouteGroup.Spec {
    static let methods: Set<String> = [
        "GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "*",
    ]

    init(decoding spec: inout FieldReader) {
        let context = spec.context
        var matches: [HTTPRouteGroup.Match] = []
        var seen: [String: Mark] = [:]
        let items = spec.list("matches", required: true)
        if items.isEmpty, let node = spec.value("matches") {
            context.error(node.mark, spec.fieldPath("matches"), "must list at least one match")
        }
        for (node, path) in items {
            guard var reader = FieldReader(node, path: path, context: context) else { continue }
            var name = ""
            if let nameNode = reader.required("name"),
                let text = context.nonEmptyString(nameNode, reader.fieldPath("name"))
            {
                name = text
                if let first = seen[text] {
                    context.error(
                        nameNode.mark,
                        reader.fieldPath("name"),
                        "duplicate match name \(context.quoted(text)) (first at line \(first.line))"
                    )
                }
                seen[text] = nameNode.mark
            }
            let (pathRegex, methods, headers) = Self.conditions(decoding: &reader)
            if pathRegex == nil, methods.isEmpty, headers.isEmpty, reader.value("pathRegex") == nil {
                // A match with no condition matches everything; almost always a mistake in an A/B set-up.
                context.error(reader.mark, path, "a match needs at least one of pathRegex, methods or headers")
            }
            reader.finish()
            matches.append(.init(name: name, pathRegex: pathRegex, methods: methods, headers: headers))
        }
        self.init(matches: matches)
    }

    /// The conditions of one match (`pathRegex`, `methods`, `headers`), each checked where it is written. Shared
    /// by every kind that matches requests this way (HTTPRouteGroup matches, FaultInjection's `match`).
    static func conditions(decoding reader: inout FieldReader) -> (pathRegex: String?, methods: [String], headers: [String: String]) {
        let context = reader.context
        var pathRegex: String?
        if let regexNode = reader.value("pathRegex"),
            let regex = context.nonEmptyString(regexNode, reader.fieldPath("pathRegex"))
        {
            Self.checkRegex(regex, regexNode, reader.fieldPath("pathRegex"), context)
            pathRegex = regex
        }
        var methods: [String] = []
        for (methodNode, methodPath) in reader.list("methods") {
            guard let method = context.nonEmptyString(methodNode, methodPath) else { continue }
            if Self.methods.contains(method) {
                methods.append(method)
            } else {
                let hint =
                    Self.methods.contains(method.uppercased())
                    ? ", write \(context.quoted(method.uppercased()))" : ""
                context.error(methodNode.mark, methodPath, "\(context.quoted(method)) is not an HTTP method\(hint)")
            }
        }
        if methods.contains("*") { methods = [] }
        var headers: [String: String] = [:]
        if let headersNode = reader.value("headers") {
            let headersPath = reader.fieldPath("headers")
            // SMI wrote headers both as one mapping (v1alpha4) and as a list of one-entry mappings; take both.
            let mappings = headersNode.sequence?.compactMap(\.mapping)
            let pairs =
                headersNode.mapping
                ?? (mappings?.count == headersNode.sequence?.count ? mappings?.flatMap { $0 } : nil)
            if let pairs {
                for pair in pairs {
                    guard let key = context.nonEmptyString(pair.key, headersPath) else { continue }
                    let valuePath = FieldPath.child(headersPath, key)
                    guard let regex = context.nonEmptyString(pair.value, valuePath) else { continue }
                    Self.checkRegex(regex, pair.value, valuePath, context)
                    headers[key.lowercased()] = regex
                }
            } else {
                context.error(
                    headersNode.mark,
                    headersPath,
                    "expected a mapping of header names to regular expressions, got \(context.describe(headersNode))"
                )
            }
        }
        return (pathRegex, methods, headers)
    }

    /// Compiles once only to check the syntax; the proxy compiles its own.
    static func checkRegex(_ pattern: String, _ node: Node, _ path: String, _ context: DecodeContext) {
        do {
            _ = try Regex(pattern)
        } catch {
            context.error(node.mark, path, "\(context.quoted(pattern)) is not a valid regular expression")
        }
    }
}
