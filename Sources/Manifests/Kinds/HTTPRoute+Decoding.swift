extension HTTPRoute.Spec {
    /// Decodes `spec` with Gateway API's defaults and limits; mesh routes only (parents are Services).
    init(decoding spec: inout FieldReader) {
        let context = spec.context
        var parents: [HTTPRoute.ParentRef] = []
        let parentItems = spec.list("parentRefs", required: true)
        Self.limit(parentItems, HTTPRoute.Limits.parentRefs, spec.value("parentRefs"), spec.fieldPath("parentRefs"), context)
        if parentItems.isEmpty, let node = spec.value("parentRefs") {
            context.error(node.mark, spec.fieldPath("parentRefs"), "must name the Service this route attaches to")
        }
        for (node, path) in parentItems {
            guard var reader = FieldReader(node, path: path, context: context) else { continue }
            let kind = Self.parentKind(&reader)
            let name = reader.name("name") ?? ""
            let port = reader.int("port", 1...65535, required: false)
            let section = reader.name("sectionName", required: false)
            if let node = reader.value("port") { reader.track("port", node) }
            _ = reader.string("namespace")
            reader.finish()
            parents.append(.init(name: name, kind: kind, port: port, sectionName: section))
        }
        let hostnames = spec.stringList("hostnames") ?? []
        if let node = spec.value("hostnames") { spec.track("hostnames", node) }
        if hostnames.count > HTTPRoute.Limits.hostnames, let node = spec.value("hostnames") {
            context.error(node.mark, spec.fieldPath("hostnames"), "at most \(HTTPRoute.Limits.hostnames) hostnames")
        }
        if let node = spec.value("hostnames"), case .sequence(let items) = node.value {
            for (index, item) in items.enumerated() {
                guard let text = item.scalar?.text, !text.isEmpty, !GatewayHostname.isValid(text) else { continue }
                context.error(item.mark, "\(spec.fieldPath("hostnames"))[\(index)]",
                              "\(context.quoted(text)) is not a lower-case DNS name (optionally \"*.\" first), as Gateway API requires")
            }
        }
        var rules: [HTTPRoute.Rule] = []
        let ruleItems = spec.list("rules")
        Self.limit(ruleItems, HTTPRoute.Limits.rules, spec.value("rules"), spec.fieldPath("rules"), context)
        for (node, path) in ruleItems {
            guard var reader = FieldReader(node, path: path, context: context) else { continue }
            rules.append(HTTPRoute.Rule(decoding: &reader))
            reader.finish()
        }
        // Gateway API's default: one rule that sends everything to the parent. meshctl has no such loop-back.
        if ruleItems.isEmpty {
            context.error(spec.mark, spec.fieldPath("rules"), "must list at least one rule with backendRefs")
        }
        self.init(parentRefs: parents, hostnames: hostnames, rules: rules)
    }

    /// `group` and `kind` of a reference: "" or `core`, and `Service`.
    static func serviceReference(_ reader: inout FieldReader, what: String) {
        let context = reader.context
        if let node = reader.value("group"), let group = context.string(node, reader.fieldPath("group")),
            group != "", group != "core"
        {
            context.error(node.mark, reader.fieldPath("group"),
                          "meshctl routes to Services only: group must be \"\" or \"core\", got \(context.quoted(group))")
        }
        if let node = reader.value("kind"), let kind = context.string(node, reader.fieldPath("kind")), kind != "Service" {
            context.error(node.mark, reader.fieldPath("kind"), "\(what) must be a Service, got \(context.quoted(kind))")
        }
    }

    /// A parent's `group` and `kind`: a Service (`""`/`core`, `Service`) or a Gateway
    /// (`gateway.networking.k8s.io`, `Gateway`); nil when neither is written.
    static func parentKind(_ reader: inout FieldReader) -> HTTPRoute.ParentRef.Kind? {
        let context = reader.context
        let groupNode = reader.value("group")
        let group = groupNode.flatMap { context.string($0, reader.fieldPath("group")) }
        let kindNode = reader.value("kind")
        let kindText = kindNode.flatMap { context.string($0, reader.fieldPath("kind")) }
        guard group != nil || kindText != nil else { return nil }
        let kind: HTTPRoute.ParentRef.Kind
        switch kindText {
        case "Service": kind = .service
        case "Gateway": kind = .gateway
        case nil: kind = group == "" || group == "core" ? .service : .gateway
        default:
            if let kindNode, let kindText {
                context.error(kindNode.mark, reader.fieldPath("kind"),
                              "parentRefs must be a Service (mesh) or a Gateway (ingress), got \(context.quoted(kindText))")
            }
            return nil
        }
        let expected = kind == .service ? ["", "core"] : ["gateway.networking.k8s.io"]
        if let groupNode, let group, !expected.contains(group) {
            context.error(groupNode.mark, reader.fieldPath("group"),
                          "a \(kind.rawValue) parent has group \(expected.map { context.quoted($0) }.joined(separator: " or ")), got \(context.quoted(group))")
        }
        return kind
    }

    static func limit(_ items: [(node: Node, path: String)], _ maximum: Int, _ node: Node?, _ path: String,
                      _ context: DecodeContext) {
        if items.count > maximum, let node { context.error(node.mark, path, "at most \(maximum) items (Gateway API's limit)") }
    }
}

extension HTTPRoute.Rule {
    init(decoding reader: inout FieldReader) {
        let context = reader.context
        let name = reader.string("name")
        var matches: [HTTPRoute.Match] = []
        let matchItems = reader.list("matches")
        HTTPRoute.Spec.limit(matchItems, HTTPRoute.Limits.matches, reader.value("matches"), reader.fieldPath("matches"), context)
        for (node, path) in matchItems {
            guard var match = FieldReader(node, path: path, context: context) else { continue }
            matches.append(HTTPRoute.Match(decoding: &match))
            match.finish()
        }
        var backends: [HTTPRoute.BackendRef] = []
        let backendItems = reader.list("backendRefs")
        HTTPRoute.Spec.limit(backendItems, HTTPRoute.Limits.backendRefs, reader.value("backendRefs"),
                             reader.fieldPath("backendRefs"), context)
        for (node, path) in backendItems {
            guard var backend = FieldReader(node, path: path, context: context) else { continue }
            HTTPRoute.Spec.serviceReference(&backend, what: "backendRefs")
            let serviceName = backend.name("name") ?? ""
            let port = backend.int("port", 1...65535, required: false)
            if port == nil, backend.value("port") == nil {
                context.error(backend.mark, path, "must have port for Service reference (Gateway API)")
            }
            let weight = backend.int("weight", 0...HTTPRoute.Limits.weight, default: 1)
            _ = backend.string("namespace")
            if let filters = backend.value("filters") {
                context.error(filters.mark, backend.fieldPath("filters"), "per-backend filters are not supported yet")
            }
            backend.finish()
            backends.append(.init(name: serviceName, port: port, weight: weight))
        }
        let (filters, mirror) = HTTPRoute.Filters.decode(&reader, matches: matches, hasBackends: !backendItems.isEmpty)
        if backendItems.isEmpty, filters.redirect == nil {
            // A redirect is answered by the proxy and needs no backend (Gateway API forbids one beside it).
            context.error(reader.mark, reader.fieldPath("backendRefs"), "must list at least one backend Service")
        } else if !backendItems.isEmpty, backends.count == backendItems.count, backends.allSatisfy({ $0.weight == 0 }) {
            context.error(reader.mark, reader.fieldPath("backendRefs"), "weights sum to 0: no request could be routed")
        }
        let timeouts = reader.mapping("timeouts") { timeouts -> HTTPRoute.Timeouts? in
            let request = timeouts.duration("request", minimum: .milliseconds(1))
            let backendNode = timeouts.value("backendRequest")
            let backendRequest = timeouts.duration("backendRequest", minimum: .milliseconds(1))
            if let request, let backendRequest, let backendNode, backendRequest > request {
                context.error(backendNode.mark, timeouts.fieldPath("backendRequest"), "must not be longer than request")
            }
            return HTTPRoute.Timeouts(request: request, backendRequest: backendRequest)
        }
        self.init(name: name, matches: matches, backendRefs: backends, timeouts: timeouts, mirror: mirror,
                  filters: filters)
    }
}

extension HTTPRoute.Match {
    init(decoding reader: inout FieldReader) {
        let context = reader.context
        let path = reader.mapping("path") { path -> HTTPRoute.PathMatch? in
            let type = path.word("type", default: HTTPRoute.PathMatch.Kind.pathPrefix)
            let valueNode = path.value("value")
            let value = path.string("value") ?? "/"
            if let valueNode {
                let valuePath = path.fieldPath("value")
                if value.utf8.count > HTTPRoute.Limits.pathLength {
                    context.error(valueNode.mark, valuePath, "at most \(HTTPRoute.Limits.pathLength) characters")
                }
                switch type {
                case .exact, .pathPrefix:
                    if !value.hasPrefix("/") {
                        context.error(valueNode.mark, valuePath,
                                      "must be an absolute path and start with \"/\" for \(type.rawValue)")
                    }
                case .regularExpression:
                    HTTPRouteGroup.Spec.checkRegex(value, valueNode, valuePath, context)
                }
            }
            return HTTPRoute.PathMatch(type: type, value: value)
        } ?? HTTPRoute.PathMatch()
        let headers = Self.values(&reader, "headers", HTTPRoute.Limits.headers)
        let query = Self.values(&reader, "queryParams", HTTPRoute.Limits.queryParams)
        var method: String?
        if let node = reader.value("method"), let text = context.string(node, reader.fieldPath("method")) {
            if HTTPRouteGroup.Spec.methods.contains(text), text != "*" {
                method = text
            } else {
                context.error(node.mark, reader.fieldPath("method"), "\(context.quoted(text)) is not an HTTP method")
            }
        }
        self.init(path: path, headers: headers, queryParams: query, method: method)
    }

    /// `headers` or `queryParams`: `{name, value, type: Exact (default) | RegularExpression}` each.
    static func values(_ reader: inout FieldReader, _ key: String, _ maximum: Int) -> [HTTPRoute.ValueMatch] {
        let context = reader.context
        let items = reader.list(key)
        HTTPRoute.Spec.limit(items, maximum, reader.value(key), reader.fieldPath(key), context)
        var result: [HTTPRoute.ValueMatch] = []
        for (node, path) in items {
            guard var item = FieldReader(node, path: path, context: context) else { continue }
            let type = item.word("type", default: HTTPRoute.ValueMatch.Kind.exact)
            let name = item.string("name", required: true) ?? ""
            let valueNode = item.required("value")
            let value = valueNode.flatMap { context.string($0, item.fieldPath("value")) } ?? ""
            if type == .regularExpression, let valueNode {
                HTTPRouteGroup.Spec.checkRegex(value, valueNode, item.fieldPath("value"), context)
            }
            item.finish()
            result.append(.init(type: type, name: key == "headers" ? name.lowercased() : name, value: value))
        }
        return result
    }
}

extension HTTPRoute.Mirror {
    init?(decoding reader: inout FieldReader) {
        let context = reader.context
        let service = reader.mapping("backendRef", required: true) { backend -> Self? in
            HTTPRoute.Spec.serviceReference(&backend, what: "backendRef")
            let name = backend.name("name") ?? ""
            let port = backend.int("port", 1...65535, required: false)
            _ = backend.string("namespace")
            return Self(service: name, port: port)
        }
        var percentage = 100.0
        if reader.contains("percent") {
            percentage = Double(reader.int("percent", 0...100, default: 100))
        } else if let share = reader.mapping("fraction", { fraction in Self.fraction(&fraction, context) }) {
            percentage = share
        }
        guard let service else { return nil }
        self.init(service: service.service, port: service.port, percentage: percentage)
    }

    /// `fraction: {numerator, denominator (default 100)}` as a percentage.
    private static func fraction(_ reader: inout FieldReader, _ context: DecodeContext) -> Double? {
        let numeratorNode = reader.value("numerator")
        let numerator = reader.int("numerator", 0...Int(Int32.max), required: true)
        let denominator = reader.int("denominator", 1...Int(Int32.max), default: 100)
        guard let numerator else { return nil }
        if numerator > denominator, let numeratorNode {
            context.error(numeratorNode.mark, reader.fieldPath("numerator"), "must not be larger than denominator")
        }
        return 100 * Double(numerator) / Double(denominator)
    }
}
