extension Rollout {
    /// Argo Rollouts' `setHeaderRoute`: requests whose headers all match go to the canary whatever its weight, so
    /// testers reach it before any weight moves. A step naming a route without `match` removes that route. Routes
    /// stay through later steps and are dropped at promotion and rollback.
    public struct HeaderRoute: Sendable, Hashable, Codable {
        public var name: String
        /// Every one must hold; empty: remove the route of this name.
        public var match: [HeaderMatch]

        public init(name: String, match: [HeaderMatch] = []) {
            self.name = name
            self.match = match
        }
    }

    /// `{headerName, headerValue: {exact | prefix | regex}}`.
    public struct HeaderMatch: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
            case exact, prefix, regex
        }
        /// Lower-cased.
        public var headerName: String
        public var type: Kind
        public var value: String

        public init(headerName: String, type: Kind = .exact, value: String) {
            self.headerName = headerName
            self.type = type
            self.value = value
        }
    }
}

extension Rollout.HeaderMatch {
    /// Argo's string match `{exact | prefix | regex: VALUE}` (header values, and a mirror route's method and path).
    static func stringMatch(decoding value: inout FieldReader) -> (Kind, String)? {
        let context = value.context
        let given = Kind.allCases.filter { value.contains($0.rawValue) }
        for kind in Kind.allCases { _ = value.value(kind.rawValue) }
        guard given.count == 1, let kind = given.first else {
            context.error(value.mark, value.path, "needs exactly one of exact, prefix or regex")
            return nil
        }
        guard let node = value.value(kind.rawValue), let text = context.string(node, value.fieldPath(kind.rawValue))
        else { return nil }
        if kind == .regex { HTTPRouteGroup.Spec.checkRegex(text, node, value.fieldPath(kind.rawValue), context) }
        return (kind, text)
    }

    /// `{KIND: VALUE}`, as written.
    static func canonical(_ kind: Kind, _ value: String) -> CanonicalValue {
        .map([.init(kind.rawValue, .string(value))])
    }
}

extension Rollout.HeaderRoute {
    /// `setHeaderRoute: {name, match: [{headerName, headerValue: {exact: v}}]}` (Argo's shape).
    init?(decoding reader: inout FieldReader) {
        let context = reader.context
        let name = reader.name("name", track: false) ?? ""
        var matches: [Rollout.HeaderMatch] = []
        for (node, path) in reader.list("match") {
            guard var item = FieldReader(node, path: path, context: context) else { continue }
            let header = item.string("headerName", required: true) ?? ""
            let value = item.mapping("headerValue", required: true) { Rollout.HeaderMatch.stringMatch(decoding: &$0) }
            item.finish()
            if let (kind, text) = value { matches.append(.init(headerName: header.lowercased(), type: kind, value: text)) }
        }
        self.init(name: name, match: matches)
    }

    var canonical: CanonicalValue {
        var map = CanonicalMap()
        map.add("name", .string(name))
        if !match.isEmpty {
            map.add("match", .list(match.map {
                .map([.init("headerName", .string($0.headerName)),
                      .init("headerValue", Rollout.HeaderMatch.canonical($0.type, $0.value))])
            }))
        }
        return map.value
    }
}
