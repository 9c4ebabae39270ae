/// SMI HTTPRouteGroup: named HTTP request matches that a TrafficSplit's `matches` refer to. Within one match every
/// given condition must hold (AND); a split referring to several matches takes any of them (OR).
public struct HTTPRouteGroup: Sendable, Hashable, Codable {
    public var apiVersion: String
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(apiVersion: String = "specs.smi-spec.io/v1alpha4", metadata: ObjectMeta, spec: Spec) {
        self.apiVersion = apiVersion
        self.metadata = metadata
        self.spec = spec
    }

    public struct Spec: Sendable, Hashable, Codable {
        public var matches: [Match]

        public init(matches: [Match]) {
            self.matches = matches
        }
    }

    public struct Match: Sendable, Hashable, Codable {
        /// Unique within the group.
        public var name: String
        /// A regular expression the whole request path must match; nil matches any path.
        public var pathRegex: String?
        /// Upper-case HTTP methods; empty (or `*`) matches any method.
        public var methods: [String]
        /// Header name (lower-cased) to a regular expression its value must match.
        public var headers: [String: String]

        public init(name: String, pathRegex: String? = nil, methods: [String] = [], headers: [String: String] = [:]) {
            self.name = name
            self.pathRegex = pathRegex
            self.methods = methods
            self.headers = headers
        }
    }
}
