/// What an HTTPRoute rule's filters do to the requests it routes (Gateway API `RequestHeaderModifier`,
/// `ResponseHeaderModifier`, `URLRewrite`, `RequestRedirect`), compiled for the proxy. Carried by a `SplitRule`;
/// the proxy applies them after the rule is chosen, to the head it sends upstream (or instead of sending it: a
/// redirect is answered by the proxy itself).
public struct RouteFilters: Sendable, Hashable, Codable {
    public var requestHeaders: HeaderEdits?
    public var responseHeaders: HeaderEdits?
    public var rewrite: URLRewrite?
    public var redirect: Redirect?
    /// The rule's own token bucket (a RateLimit an ExtensionRef filter names), kept by the proxy that routes the
    /// rule: a request that finds it empty is answered 429 with `Retry-After`.
    public var rateLimit: RateLimitConfig?

    public init(requestHeaders: HeaderEdits? = nil, responseHeaders: HeaderEdits? = nil, rewrite: URLRewrite? = nil,
                redirect: Redirect? = nil, rateLimit: RateLimitConfig? = nil) {
        self.requestHeaders = requestHeaders
        self.responseHeaders = responseHeaders
        self.rewrite = rewrite
        self.redirect = redirect
        self.rateLimit = rateLimit
    }

    /// Gateway API's header modifier: `remove` every field of those names, then `set` (replace all fields of the
    /// name by one), then `add` (one more field line; HTTP reads repeated fields as one comma-joined list).
    /// Names are lower-cased.
    public struct HeaderEdits: Sendable, Hashable, Codable {
        public var set: [Field]
        public var add: [Field]
        public var remove: [String]

        public init(set: [Field] = [], add: [Field] = [], remove: [String] = []) {
            self.set = set
            self.add = add
            self.remove = remove
        }
    }

    public struct Field: Sendable, Hashable, Codable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// A new path for the request: the whole path, or the part the rule's PathPrefix matched.
    public struct PathReplacement: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable {
            case replaceFullPath = "ReplaceFullPath"
            case replacePrefixMatch = "ReplacePrefixMatch"
        }
        public var type: Kind
        public var value: String
        /// For `replacePrefixMatch`: the rule's PathPrefix (without a trailing `/`), the part replaced.
        public var matchedPrefix: String?

        public init(type: Kind, value: String, matchedPrefix: String? = nil) {
            self.type = type
            self.value = value
            self.matchedPrefix = matchedPrefix
        }
    }

    /// `URLRewrite`: the Host and/or path the upstream sees; the client sees no change.
    public struct URLRewrite: Sendable, Hashable, Codable {
        public var hostname: String?
        public var path: PathReplacement?

        public init(hostname: String? = nil, path: PathReplacement? = nil) {
            self.hostname = hostname
            self.path = path
        }
    }

    /// `RequestRedirect`: the proxy answers `statusCode` with a Location made of the request's URL with these parts
    /// replaced; the request goes nowhere.
    public struct Redirect: Sendable, Hashable, Codable {
        public var scheme: String?
        public var hostname: String?
        public var port: Int?
        public var path: PathReplacement?
        public var statusCode: Int

        public init(scheme: String? = nil, hostname: String? = nil, port: Int? = nil, path: PathReplacement? = nil,
                    statusCode: Int = 302) {
            self.scheme = scheme
            self.hostname = hostname
            self.port = port
            self.path = path
            self.statusCode = statusCode
        }
    }
}
