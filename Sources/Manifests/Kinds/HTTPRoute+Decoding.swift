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
        Self.checkSections(parents, parentItems, spec.fieldPath("parentRefs"), context)
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
        // Gateway API's CEL rule on `rules`: a rule without `matches` has its one default match.
        let matchTotal = rules.reduce(0) { $0 + max($1.matches.count, 1) }
        if matchTotal > HTTPRoute.Limits.matchesPerRoute, let node = spec.value("rules") {
            context.error(node.mark, spec.fieldPath("rules"),
                          "at most \(HTTPRoute.Limits.matchesPerRoute) matches across all rules (Gateway API's limit), got \(matchTotal)")
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

    /// Gateway API's CEL rules on `parentRefs`: several references to one parent each name a `sectionName`, and
    /// no two the same one (otherwise the route would attach to the same listener or Service twice).
    static func checkSections(_ parents: [HTTPRoute.ParentRef], _ items: [(node: Node, path: String)], _ path: String,
                              _ context: DecodeContext) {
        guard parents.count == items.count else { return }
        var seen: [String: [Int]] = [:]
        for (index, parent) in parents.enumerated() {
            seen["\(parent.kind?.rawValue ?? "")/\(parent.name)", default: []].append(index)
        }
        for indices in seen.values.sorted(by: { $0[0] < $1[0] }) where indices.count > 1 {
            let sections = indices.map { parents[$0].sectionName ?? "" }
            let second = indices[1]
            let unnamed = sections.filter(\.isEmpty).count
            let message = unnamed > 0 && unnamed < sections.count
                ? "sectionName must be specified when parentRefs includes 2 or more references to the same parent"
                : Set(sections).count < sections.count
                    ? "sectionName must be unique when parentRefs includes 2 or more references to the same parent" : nil
            if let message { context.error(items[second].node.mark, items[second].path, message) }
        }
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
        if let name, name.utf8.count > HTTPRoute.Limits.ruleNameLength, let node = reader.value("name") {
            context.error(node.mark, reader.fieldPath("name"), "at most \(HTTPRoute.Limits.ruleNameLength) characters")
        }
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
                    } else if let problem = Self.pathProblem(value) {
                        context.error(valueNode.mark, valuePath, "\(problem) for \(type.rawValue) (Gateway API)")
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

    /// Gateway API's CEL rules on an Exact or PathPrefix value (after the leading "/"): no empty, `.` or `..`
    /// segment, no encoded "/", no fragment, only the characters a path may hold (RFC 3986 pchar and "/").
    static func pathProblem(_ value: String) -> String? {
        for part in ["//", "/./", "/../", "%2f", "%2F", "#"] where value.contains(part) {
            return "must not contain \"\(part)\""
        }
        for end in ["/..", "/."] where value.hasSuffix(end) { return "must not end with \"\(end)\"" }
        let allowed = Set("-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._~!$&'()*+,;=:@".utf8)
        let bytes = Array(value.utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%") {
                let hex = bytes.dropFirst(index + 1).prefix(2)
                guard hex.count == 2, hex.allSatisfy({ UInt8(ascii: "0")...UInt8(ascii: "9") ~= $0
                    || UInt8(ascii: "a")...UInt8(ascii: "f") ~= $0 || UInt8(ascii: "A")...UInt8(ascii: "F") ~= $0 })
                else { return "\"%\" must start a percent-encoded byte (%XX)" }
                index += 3
            } else if allowed.contains(bytes[index]) {
                index += 1
            } else {
                return "must only contain the characters of a path (A-Z a-z 0-9 - . _ ~ ! $ & ' ( ) * + , ; = : @ / and %XX)"
            }
        }
        return nil
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
            // Gateway API's maxLength: names 256, header values 4096, query values 1024.
            let valueLimit = key == "headers" ? HTTPRoute.Limits.headerValueLength : HTTPRoute.Limits.queryValueLength
            for (field, text, limit) in [("name", name, HTTPRoute.Limits.nameLength), ("value", value, valueLimit)]
            where text.utf8.count > limit {
                if let node = item.value(field) { context.error(node.mark, item.fieldPath(field), "at most \(limit) characters") }
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
            if port == nil, backend.value("port") == nil {
                context.error(backend.mark, backend.path, "must have port for Service reference (Gateway API)")
            }
            _ = backend.string("namespace")
            return Self(service: name, port: port)
        }
        var percentage = 100.0
        if reader.contains("percent"), let fraction = reader.value("fraction") {
            reader.track("fraction", fraction)
            context.error(fraction.mark, reader.fieldPath("fraction"),
                          "only one of percent or fraction may be specified (Gateway API)")
        }
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
