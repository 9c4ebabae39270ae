/// An AuthorizationPolicy as a proxy enforces it on an inbound listener (the manifest kind compiles to this;
/// the decision itself is `TrafficPolicy.Authorization`; docs/identity.md, "Authorization").
public struct AuthorizationPolicyConfig: Sendable, Hashable, Codable {
    public enum Action: String, Sendable, Hashable, Codable { case allow = "ALLOW", deny = "DENY" }

    public struct Rule: Sendable, Hashable, Codable {
        /// Callers: SPIFFE IDs or service names, `*` wildcards, or `unauthenticated`; empty: anyone.
        public var from: [String]
        /// Methods; empty: any.
        public var methods: [String]
        /// Paths, exact or prefix with a trailing `*`; empty: any.
        public var paths: [String]

        public init(from: [String] = [], methods: [String] = [], paths: [String] = []) {
            self.from = from
            self.methods = methods
            self.paths = paths
        }

        private enum CodingKeys: String, CodingKey { case from, methods, paths }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.from = try c.decodeIfPresent([String].self, forKey: .from) ?? []
            self.methods = try c.decodeIfPresent([String].self, forKey: .methods) ?? []
            self.paths = try c.decodeIfPresent([String].self, forKey: .paths) ?? []
        }
    }

    public var name: String
    public var action: Action
    public var rules: [Rule]

    public init(name: String, action: Action = .allow, rules: [Rule]) {
        self.name = name
        self.action = action
        self.rules = rules
    }

    private enum CodingKeys: String, CodingKey { case name, action, rules }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try c.decode(String.self, forKey: .name)
        self.action = try c.decodeIfPresent(Action.self, forKey: .action) ?? .allow
        self.rules = try c.decodeIfPresent([Rule].self, forKey: .rules) ?? []
    }
}
