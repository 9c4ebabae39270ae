extension HTTPRoute.Filters {
    /// The filter kinds and the field each one's settings go in (Gateway API's `type` → field).
    static let fields: [(type: String, field: String)] = [
        ("RequestHeaderModifier", "requestHeaderModifier"), ("ResponseHeaderModifier", "responseHeaderModifier"),
        ("RequestMirror", "requestMirror"), ("RequestRedirect", "requestRedirect"), ("URLRewrite", "urlRewrite"),
        ("ExtensionRef", "extensionRef"), ("CORS", "cors"),
    ]

    /// Reads a rule's `filters` with Gateway API's rules: each filter's settings in the field its `type` names and
    /// no other, every kind but RequestMirror at most once (meshctl: RequestMirror too), not both a redirect and a
    /// rewrite, no backendRefs beside a redirect, and a ReplacePrefixMatch only under exactly one PathPrefix match.
    static func decode(_ reader: inout FieldReader, matches: [HTTPRoute.Match], hasBackends: Bool)
        -> (filters: Self, mirror: HTTPRoute.Mirror?)
    {
        let context = reader.context
        var filters = Self()
        var mirror: HTTPRoute.Mirror?
        var seen: Set<String> = []
        let filterItems = reader.list("filters")
        HTTPRoute.Spec.limit(filterItems, HTTPRoute.Limits.filters, reader.value("filters"), reader.fieldPath("filters"), context)
        var redirectMark: (Mark, String)?
        var prefixMark: (Mark, String, String)?
        for (node, path) in filterItems {
            guard var filter = FieldReader(node, path: path, context: context) else { continue }
            let typeNode = filter.required("type")
            let type = typeNode.flatMap { context.string($0, filter.fieldPath("type")) } ?? ""
            for (other, field) in fields where other != type {
                if let stray = filter.value(field) {
                    context.error(stray.mark, filter.fieldPath(field), "must be nil if the filter.type is not \(other)")
                }
            }
            if let typeNode, fields.contains(where: { $0.type == type }), !seen.insert(type).inserted {
                context.error(typeNode.mark, filter.fieldPath("type"), "\(type) filter cannot be repeated")
            }
            let own = fields.first { $0.type == type }?.field ?? ""
            switch type {
            case "RequestMirror":
                mirror = filter.mapping(own, required: true) { HTTPRoute.Mirror(decoding: &$0) }
            case "RequestHeaderModifier":
                filters.requestHeaders = filter.mapping(own, required: true) { HTTPRoute.HeaderModifier(decoding: &$0) }
            case "ResponseHeaderModifier":
                filters.responseHeaders = filter.mapping(own, required: true) { HTTPRoute.HeaderModifier(decoding: &$0) }
            case "URLRewrite":
                filters.rewrite = filter.mapping(own, required: true) { rewrite in
                    let hostname = HTTPRoute.Filters.hostname(&rewrite)
                    let path = rewrite.mapping("path") { HTTPRoute.PathModifier(decoding: &$0) }
                    if path?.type == .replacePrefixMatch, let node = rewrite.value("path") {
                        prefixMark = (node.mark, rewrite.fieldPath("path"), "URLRewrite")
                    }
                    return HTTPRoute.URLRewrite(hostname: hostname, path: path)
                }
            case "RequestRedirect":
                if let typeNode { redirectMark = (typeNode.mark, filter.fieldPath("type")) }
                filters.redirect = filter.mapping(own, required: true) { redirect in
                    let scheme = redirect.value("scheme").flatMap { node -> String? in
                        guard let text = context.string(node, redirect.fieldPath("scheme")) else { return nil }
                        if text == "http" || text == "https" { return text }
                        context.error(node.mark, redirect.fieldPath("scheme"), "must be \"http\" or \"https\", got \(context.quoted(text))")
                        return nil
                    }
                    let hostname = HTTPRoute.Filters.hostname(&redirect)
                    let path = redirect.mapping("path") { HTTPRoute.PathModifier(decoding: &$0) }
                    if path?.type == .replacePrefixMatch, let node = redirect.value("path") {
                        prefixMark = (node.mark, redirect.fieldPath("path"), "RequestRedirect")
                    }
                    let port = redirect.int("port", 1...65535, required: false)
                    var status = 302
                    if let node = redirect.value("statusCode"), let code = context.int(node, redirect.fieldPath("statusCode"), 100...599) {
                        if HTTPRoute.Redirect.statusCodes.contains(code) {
                            status = code
                        } else {
                            context.error(node.mark, redirect.fieldPath("statusCode"), "must be one of 301, 302, 303, 307, 308, got \(code)")
                        }
                    }
                    return HTTPRoute.Redirect(scheme: scheme, hostname: hostname, path: path, port: port, statusCode: status)
                }
            case "ExtensionRef":
                filters.rateLimit = filter.mapping(own, required: true) { reference -> String? in
                    for (key, expected) in [("group", RateLimit.extensionGroup), ("kind", ManifestKind.rateLimit.rawValue)] {
                        if let node = reference.required(key), let text = context.string(node, reference.fieldPath(key)),
                            text != expected
                        {
                            context.error(node.mark, reference.fieldPath(key),
                                          "meshctl's extension is a RateLimit (group \"\(RateLimit.extensionGroup)\", kind \"RateLimit\"), got \(context.quoted(text))")
                        }
                    }
                    return reference.name("name")
                }
            default:
                if let typeNode {
                    context.error(typeNode.mark, filter.fieldPath("type"),
                                  "filter \(context.quoted(type)) is not supported (RequestHeaderModifier, ResponseHeaderModifier, RequestMirror, URLRewrite, RequestRedirect and ExtensionRef to a RateLimit are)")
                }
            }
            filter.finish()
        }
        if let (mark, path) = redirectMark {
            if seen.contains("URLRewrite") {
                context.error(mark, path, "may specify either RequestRedirect or URLRewrite, but not both")
            }
            if hasBackends { context.error(mark, path, "RequestRedirect filter must not be used together with backendRefs") }
        }
        if let (mark, path, kind) = prefixMark, matches.count != 1 || matches[0].path.type != .pathPrefix {
            context.error(mark, path, "when using \(kind) filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified")
        }
        return (filters, mirror)
    }

    /// `hostname`: Gateway API's PreciseHostname (lower-case DNS name).
    static func hostname(_ reader: inout FieldReader) -> String? {
        guard let node = reader.value("hostname"), let text = reader.context.string(node, reader.fieldPath("hostname")) else { return nil }
        let label = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
        guard text.utf8.count <= 253, text.wholeMatch(of: try! Regex("\(label)(\\.\(label))*")) != nil else {
            reader.context.error(node.mark, reader.fieldPath("hostname"), "\(reader.context.quoted(text)) is not a lower-case DNS name")
            return nil
        }
        return text
    }
}

extension HTTPRoute.HeaderModifier {
    /// Gateway API's limits: at most 16 names in each list, names are HTTP tokens of at most 256 characters, values
    /// 1–4096 characters, no name twice in a list. meshctl also refuses CR/LF in values and names that frame the
    /// message (`content-length`, `transfer-encoding`, `connection`, …).
    init(decoding reader: inout FieldReader) {
        let context = reader.context
        func header(_ name: String, _ node: Node, _ path: String) -> String? {
            let lower = name.lowercased()
            let token = name.utf8.count <= 256 && name.wholeMatch(of: /[A-Za-z0-9!#$%&'*+\-.^_`|~]+/) != nil
            if !token {
                context.error(node.mark, path, "\(context.quoted(name)) is not a header name")
            } else if Self.framing.contains(lower) {
                context.error(node.mark, path, "\(context.quoted(name)) frames the message; meshctl does not modify it")
            }
            return token ? lower : nil
        }
        func fields(_ key: String) -> [HTTPRoute.Header] {
            let items = reader.list(key)
            HTTPRoute.Spec.limit(items, 16, reader.value(key), reader.fieldPath(key), context)
            var result: [HTTPRoute.Header] = []
            for (node, path) in items {
                guard var item = FieldReader(node, path: path, context: context) else { continue }
                let nameNode = item.required("name")
                let nameText = nameNode.flatMap { context.string($0, item.fieldPath("name")) }
                let valueNode = item.required("value")
                let value = valueNode.flatMap { context.string($0, item.fieldPath("value")) }
                item.finish()
                guard let nameNode, let nameText, let name = header(nameText, nameNode, item.fieldPath("name")) else { continue }
                if result.contains(where: { $0.name == name }) {
                    context.error(nameNode.mark, item.fieldPath("name"), "\(context.quoted(nameText)) is listed twice")
                }
                guard let valueNode, let value else { continue }
                if value.isEmpty || value.utf8.count > 4096 || value.utf8.contains(where: { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F }) {
                    context.error(valueNode.mark, item.fieldPath("value"), "must be 1 to 4096 characters without line breaks or controls")
                    continue
                }
                result.append(.init(name: name, value: value))
            }
            return result
        }
        let set = fields("set")
        let add = fields("add")
        var remove: [String] = []
        let removeItems = reader.list("remove")
        HTTPRoute.Spec.limit(removeItems, 16, reader.value("remove"), reader.fieldPath("remove"), context)
        for (node, path) in removeItems {
            guard let text = context.string(node, path), let name = header(text, node, path) else { continue }
            if remove.contains(name) { context.error(node.mark, path, "\(context.quoted(text)) is listed twice") }
            remove.append(name)
        }
        self.init(set: set, add: add, remove: remove)
    }

    /// Fields the proxy frames messages by or that concern one hop (the proxy's own list: SidecarConfig's
    /// `RouteFilters.protectedHeaders`).
    static let framing: Set<String> = [
        "connection", "content-length", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
    ]
}

extension HTTPRoute.PathModifier {
    init?(decoding reader: inout FieldReader) {
        let context = reader.context
        let typeNode = reader.required("type")
        let type = typeNode.flatMap { context.word($0, reader.fieldPath("type"), as: Kind.self) }
        var value: String?
        for kind in Kind.allCases {
            let key = kind == .replaceFullPath ? "replaceFullPath" : "replacePrefixMatch"
            let node = reader.value(key)
            if let node, let type, type != kind {
                context.error(node.mark, reader.fieldPath(key), "type must be '\(kind.rawValue)' when \(key) is set")
            }
            if type == kind {
                guard let node else {
                    context.error(reader.mark, reader.fieldPath(key), "\(key) must be specified when type is set to '\(kind.rawValue)'")
                    continue
                }
                guard let text = context.string(node, reader.fieldPath(key)) else { continue }
                let emptyPrefix = kind == .replacePrefixMatch && text.isEmpty
                if text.utf8.count > 1024 || (!text.hasPrefix("/") && !emptyPrefix)
                    || text.contains(where: { $0 == "?" || $0 == "#" || $0.isWhitespace })
                {
                    context.error(node.mark, reader.fieldPath(key), "must be an absolute path (at most 1024 characters, no query)")
                    continue
                }
                value = text
            }
        }
        guard let type, let value else { return nil }
        self.init(type: type, value: value)
    }
}
