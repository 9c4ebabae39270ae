/// Ordered A/B routing rules of a TrafficSplit: the first rule whose match fits a request decides where it goes;
/// a request that matches no rule goes to the root service (SMI).
///
/// `route` returns the index of the matching rule; the proxy keeps what each rule routes to (a weighted backend
/// set) in an array beside it. Indices rather than a generic target keep the per-request path free of generic
/// dispatch across the module boundary. Built once per config version; `route` is pure.
public struct RouteTable: Sendable {
    /// One rule: it applies when any of its matches fits (SMI: a split lists several HTTPRouteGroup matches).
    public struct Rule: Sendable {
        /// The matches; an empty list never applies.
        public var matches: [HTTPRouteMatch]

        /// A rule that applies to requests fitting any of `matches`.
        public init(matches: [HTTPRouteMatch]) {
            self.matches = matches
        }
    }

    /// The rules, tried in order.
    public let rules: [Rule]

    /// A table of rules tried in the given order.
    public init(rules: [Rule]) {
        self.rules = rules
    }

    /// The index in `rules` of the first rule that applies, or nil for "no rule matched: use the root service".
    /// Parameters as `HTTPRouteMatch.matches(method:path:header:)`.
    public func route(method: String, path: Substring, header: (String) -> String?) -> Int? {
        for index in rules.indices {
            for match in rules[index].matches where match.matches(method: method, path: path, header: header) {
                return index
            }
        }
        return nil
    }

    /// `route(method:path:header:)` for a `String` path.
    public func route(method: String, path: String, header: (String) -> String?) -> Int? {
        route(method: method, path: path[...], header: header)
    }
}
