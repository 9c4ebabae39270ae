/// Ordered A/B routing rules of a TrafficSplit: the first rule whose match fits a request picks its target;
/// a request that matches no rule goes to the root service (SMI).
///
/// `Target` is whatever the proxy routes to, e.g. the index of a weighted backend set. Built once per config
/// version; `route` is pure and cheap to call per request (one regex evaluation per pattern tried).
public struct RouteTable<Target: Sendable>: Sendable {
    /// One rule: any of its matches selects its target (SMI: a split lists several HTTPRouteGroup matches).
    public struct Rule: Sendable {
        /// The matches; the rule applies when any one matches. An empty list never matches.
        public var matches: [HTTPRouteMatch]
        /// Where matching requests go.
        public var target: Target

        /// A rule sending requests that fit any of `matches` to `target`.
        public init(matches: [HTTPRouteMatch], target: Target) {
            self.matches = matches
            self.target = target
        }
    }

    /// The rules, tried in order.
    public let rules: [Rule]

    /// A table of rules tried in the given order.
    public init(rules: [Rule]) {
        self.rules = rules
    }

    /// The target of the first rule that matches, or nil for "no rule matched: use the root service".
    /// Parameters as `HTTPRouteMatch.matches(method:path:header:)`.
    public func route(method: String, path: some StringProtocol, header: (String) -> String?) -> Target? {
        for rule in rules where rule.matches.contains(where: { $0.matches(method: method, path: path, header: header) })
        {
            return rule.target
        }
        return nil
    }
}
