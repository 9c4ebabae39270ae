/// Who may call a service: the decision of the AuthorizationPolicies that target it, shaped after Istio's
/// (and Linkerd's) — pure, so every case is a unit test.
///
/// DENY policies are looked at first: a request matching any rule of one is denied. Then, when the service has
/// ALLOW policies, a request must match a rule of one of them, or it is denied. No policy: everything is allowed
/// (as before policies existed). A rule matches when every part it has matches: `from` (any of the caller
/// patterns), `methods` (any), `paths` (any); a part left empty matches everything. A policy with no rules matches
/// nothing (so an ALLOW policy without rules allows nothing: Istio's "allow-nothing").
public struct Authorization: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable { case allow = "ALLOW", deny = "DENY" }

    public struct Rule: Sendable, Hashable {
        /// Caller patterns: a SPIFFE ID (`spiffe://meshctl.local/ns/default/sa/web`) or a service name (`web`),
        /// either with `*` wildcards (`*` alone: any authenticated caller); or `unauthenticated` (no client certificate).
        public var from: [String]
        /// Methods, exact (`GET`); empty: any.
        public var methods: [String]
        /// Paths: exact (`/healthz`), or a prefix ending in `*` (`/api/*`); empty: any.
        public var paths: [String]

        public init(from: [String] = [], methods: [String] = [], paths: [String] = []) {
            self.from = from
            self.methods = methods
            self.paths = paths
        }
    }

    public struct Policy: Sendable, Hashable {
        public var name: String
        public var action: Action
        public var rules: [Rule]

        public init(name: String, action: Action, rules: [Rule]) {
            self.name = name
            self.action = action
            self.rules = rules
        }
    }

    public enum Decision: Sendable, Hashable {
        case allowed
        /// Denied by this DENY policy, or (nil) because no ALLOW policy matched.
        case denied(policy: String?)
    }

    public var policies: [Policy]

    public init(policies: [Policy]) { self.policies = policies }

    /// `caller`: the peer's SPIFFE ID from its verified certificate; nil for a plaintext client.
    public func decide(caller: String?, method: String, path: String) -> Decision {
        for policy in policies where policy.action == .deny {
            if policy.rules.contains(where: { Self.matches($0, caller: caller, method: method, path: path) }) {
                return .denied(policy: policy.name)
            }
        }
        let allows = policies.filter { $0.action == .allow }
        if allows.isEmpty { return .allowed }
        for policy in allows where policy.rules.contains(where: { Self.matches($0, caller: caller, method: method, path: path) }) {
            return .allowed
        }
        return .denied(policy: nil)
    }

    static func matches(_ rule: Rule, caller: String?, method: String, path: String) -> Bool {
        (rule.from.isEmpty || rule.from.contains { callerMatches($0, caller) })
            && (rule.methods.isEmpty || rule.methods.contains(method))
            && (rule.paths.isEmpty || rule.paths.contains { pathMatches($0, path) })
    }

    static func callerMatches(_ pattern: String, _ caller: String?) -> Bool {
        if pattern == "unauthenticated" { return caller == nil }
        guard let caller else { return false }
        if pattern.hasPrefix("spiffe://") { return glob(pattern, caller) }
        // A bare pattern names the service: the part after `/sa/`.
        let parts = caller.split(separator: "/")
        guard parts.count >= 2, parts[parts.count - 2] == "sa" else { return false }
        return glob(pattern, String(parts[parts.count - 1]))
    }

    static func pathMatches(_ pattern: String, _ path: String) -> Bool {
        let path = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? path
        if pattern.hasSuffix("*") { return path.hasPrefix(pattern.dropLast()) }
        return path == pattern
    }

    /// `*` matches any run of characters (none included); everything else matches itself. Iterative, with one
    /// backtracking point: linear in practice, never exponential.
    static func glob(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.utf8), t = Array(text.utf8)
        var i = 0, j = 0, star = -1, mark = 0
        while j < t.count {
            if i < p.count && p[i] != UInt8(ascii: "*") && p[i] == t[j] {
                i += 1; j += 1
            } else if i < p.count && p[i] == UInt8(ascii: "*") {
                star = i; mark = j; i += 1
            } else if star >= 0 {
                i = star + 1; mark += 1; j = mark
            } else {
                return false
            }
        }
        while i < p.count && p[i] == UInt8(ascii: "*") { i += 1 }
        return i == p.count
    }
}
