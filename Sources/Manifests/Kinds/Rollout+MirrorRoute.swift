extension Rollout {
    /// Argo Rollouts' `setMirrorRoute`: `percentage` percent of the requests fitting any of `match` are copied to the
    /// canary, whose answers are thrown away; users keep getting stable's answers, and the canary is judged on the
    /// copies (its own sidecar's inbound metrics). A step naming a route without `match` removes that route. Routes
    /// stay through later steps and are dropped at promotion and rollback.
    public struct MirrorRoute: Sendable, Hashable, Codable {
        public var name: String
        /// 0–100 (Argo: an integer, default 100).
        public var percentage: Int
        /// Any one must hold; empty: remove the route of this name.
        public var match: [MirrorMatch]

        public init(name: String, percentage: Int = 100, match: [MirrorMatch] = []) {
            self.name = name
            self.percentage = percentage
            self.match = match
        }
    }

    /// One of Argo's mirror matches: every given part must hold.
    public struct MirrorMatch: Sendable, Hashable, Codable {
        /// Exact only: a proxy matches methods by name.
        public var method: String?
        public var path: StringMatch?
        public var headers: [HeaderMatch]

        public init(method: String? = nil, path: StringMatch? = nil, headers: [HeaderMatch] = []) {
            self.method = method
            self.path = path
            self.headers = headers
        }
    }

    /// `{exact | prefix | regex: VALUE}`.
    public struct StringMatch: Sendable, Hashable, Codable {
        public var type: HeaderMatch.Kind
        public var value: String

        public init(type: HeaderMatch.Kind, value: String) {
            self.type = type
            self.value = value
        }
    }
}

extension Rollout.MirrorRoute {
    /// `setMirrorRoute: {name, percentage, match: [{method: {exact}, path: {prefix}, headers: {NAME: {exact}}}]}`.
    init?(decoding reader: inout FieldReader) {
        let context = reader.context
        let name = reader.name("name", track: false) ?? ""
        let percentage = reader.int("percentage", 0...100, default: 100)
        var matches: [Rollout.MirrorMatch] = []
        for (node, path) in reader.list("match") {
            guard var item = FieldReader(node, path: path, context: context) else { continue }
            if let match = Rollout.MirrorMatch(decoding: &item) { matches.append(match) }
            item.finish()
        }
        self.init(name: name, percentage: percentage, match: matches)
    }

    /// As written (Argo's shape, so `export --to argo` prints it unchanged).
    public var canonical: CanonicalValue {
        var map = CanonicalMap()
        map.add("name", .string(name))
        map.add("percentage", .int(percentage))
        if !match.isEmpty { map.add("match", .list(match.map(\.canonical))) }
        return map.value
    }
}

extension Rollout.MirrorMatch {
    init?(decoding item: inout FieldReader) {
        let context = item.context
        let method = item.mapping("method") { reader -> String? in
            guard let (kind, text) = Rollout.HeaderMatch.stringMatch(decoding: &reader) else { return nil }
            guard kind == .exact else {
                context.error(reader.mark, reader.fieldPath(kind.rawValue), "a method is matched exactly: use exact")
                return nil
            }
            return text.uppercased()
        }
        let path = item.mapping("path") { Rollout.HeaderMatch.stringMatch(decoding: &$0) }
        var headers: [Rollout.HeaderMatch] = []
        if let node = item.value("headers") {
            let headersPath = item.fieldPath("headers")
            if case .mapping(let pairs) = node.value {
                for pair in pairs {
                    guard let header = context.nonEmptyString(pair.key, headersPath) else { continue }
                    guard var value = FieldReader(pair.value, path: FieldPath.child(headersPath, header), context: context)
                    else { continue }
                    if let (kind, text) = Rollout.HeaderMatch.stringMatch(decoding: &value) {
                        headers.append(.init(headerName: header.lowercased(), type: kind, value: text))
                    }
                    value.finish()
                }
            } else {
                context.error(node.mark, headersPath, "expected a mapping, got \(context.describe(node))")
            }
        }
        guard item.contains("method") || item.contains("path") || item.contains("headers") else {
            context.error(item.mark, item.path, "a match needs method, path or headers")
            return nil
        }
        self.init(method: method, path: path.map { Rollout.StringMatch(type: $0.0, value: $0.1) }, headers: headers)
    }

    var canonical: CanonicalValue {
        var map = CanonicalMap()
        map.add("method", method.map { Rollout.HeaderMatch.canonical(.exact, $0) })
        map.add("path", path.map { Rollout.HeaderMatch.canonical($0.type, $0.value) })
        if !headers.isEmpty {
            map.add("headers", .map(headers.map { .init($0.headerName, Rollout.HeaderMatch.canonical($0.type, $0.value)) }))
        }
        return map.value
    }
}
