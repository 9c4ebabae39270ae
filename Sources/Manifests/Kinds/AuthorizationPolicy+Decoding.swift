extension AuthorizationPolicy.Spec {
    init(decoding spec: inout FieldReader) {
        let context = spec.context
        let service = spec.name("service") ?? ""
        let action = spec.word("action", default: AuthorizationPolicy.Action.allow)
        var rules: [AuthorizationPolicy.Rule] = []
        for item in spec.list("rules") {
            guard var reader = FieldReader(item.node, path: item.path, context: context) else { continue }
            let from = Self.strings(&reader, "from", what: "leave from out to match every caller", check: Self.caller)
            let to = reader.mapping("to") { to -> (methods: [String], paths: [String])? in
                let methods = Self.strings(&to, "methods", what: "leave methods out to match every method",
                                           check: Self.method)
                let paths = Self.strings(&to, "paths", what: "leave paths out to match every path", check: Self.path)
                return (methods, paths)
            }
            reader.finish()
            rules.append(AuthorizationPolicy.Rule(from: from, methods: to?.methods ?? [], paths: to?.paths ?? []))
        }
        self.init(service: service, action: action, rules: rules)
    }

    /// A list of strings, each checked by `check` (which returns what is wrong, or nil); written but empty is an
    /// error (an empty part would match everything, which is what leaving it out says plainly).
    private static func strings(_ reader: inout FieldReader, _ key: String, what: String,
                                check: (String) -> String?) -> [String] {
        let context = reader.context
        guard let node = reader.value(key), let items = context.list(node, reader.fieldPath(key)) else { return [] }
        if items.isEmpty { context.error(node.mark, reader.fieldPath(key), "must not be empty (\(what))") }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            let path = FieldPath.index(reader.fieldPath(key), index)
            guard let text = context.nonEmptyString(item, path) else { continue }
            if let problem = check(text) {
                context.error(item.mark, path, "\(problem), got \(context.quoted(text))")
            } else if !result.contains(text) {
                result.append(text)
            }
        }
        return result
    }

    /// `unauthenticated`, a service name pattern (`web`, `api-*`, `*`) or a SPIFFE ID pattern (`spiffe://…`).
    static func caller(_ text: String) -> String? {
        if text == "unauthenticated" { return nil }
        if text.hasPrefix("spiffe://") {
            let rest = text.dropFirst("spiffe://".count)
            let allowed = rest.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f }
            return !rest.isEmpty && allowed ? nil : "expected a SPIFFE ID such as spiffe://meshctl.local/ns/default/sa/web"
        }
        let allowed = text.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "*")
        }
        return allowed && text.utf8.count <= 63 ? nil
            : "expected a service name (lower-case, * wildcards allowed), a spiffe:// ID, or unauthenticated"
    }

    /// An HTTP method as it is sent: upper case.
    static func method(_ text: String) -> String? {
        text.utf8.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) && text.utf8.count <= 32
            ? nil : "expected an HTTP method in upper case such as GET"
    }

    /// `/exact` or `/prefix*`.
    static func path(_ text: String) -> String? {
        guard text.hasPrefix("/") else { return "expected a path starting with /" }
        let star = text.firstIndex(of: "*")
        guard star == nil || star == text.index(before: text.endIndex) else {
            return "* may only end a path (a prefix match such as /api/*)"
        }
        return text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) ? nil : "expected a path without spaces or control characters"
    }
}
