extension HTTPRoute {
    /// A rule's filters besides `RequestMirror` (Gateway API core filters), each at most once per rule.
    public struct Filters: Sendable, Hashable, Codable {
        public var requestHeaders: HeaderModifier?
        public var responseHeaders: HeaderModifier?
        public var rewrite: URLRewrite?
        public var redirect: Redirect?
        /// An `ExtensionRef` filter naming a meshctl `RateLimit`: the rule's requests share its token bucket.
        public var rateLimit: String?

        public init(requestHeaders: HeaderModifier? = nil, responseHeaders: HeaderModifier? = nil,
                    rewrite: URLRewrite? = nil, redirect: Redirect? = nil, rateLimit: String? = nil) {
            self.requestHeaders = requestHeaders
            self.responseHeaders = responseHeaders
            self.rewrite = rewrite
            self.redirect = redirect
            self.rateLimit = rateLimit
        }

        public var isEmpty: Bool { self == Filters() }
    }

    /// `RequestHeaderModifier` / `ResponseHeaderModifier`: remove, then set, then add. Names lower-cased.
    public struct HeaderModifier: Sendable, Hashable, Codable {
        public var set: [Header]
        public var add: [Header]
        public var remove: [String]

        public init(set: [Header] = [], add: [Header] = [], remove: [String] = []) {
            self.set = set
            self.add = add
            self.remove = remove
        }
    }

    public struct Header: Sendable, Hashable, Codable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// `path` of a URLRewrite or RequestRedirect.
    public struct PathModifier: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
            case replaceFullPath = "ReplaceFullPath"
            case replacePrefixMatch = "ReplacePrefixMatch"
        }
        public var type: Kind
        public var value: String

        public init(type: Kind, value: String) {
            self.type = type
            self.value = value
        }
    }

    public struct URLRewrite: Sendable, Hashable, Codable {
        public var hostname: String?
        public var path: PathModifier?

        public init(hostname: String? = nil, path: PathModifier? = nil) {
            self.hostname = hostname
            self.path = path
        }
    }

    public struct Redirect: Sendable, Hashable, Codable {
        public static let statusCodes = [301, 302, 303, 307, 308]
        public var scheme: String?
        public var hostname: String?
        public var path: PathModifier?
        public var port: Int?
        /// 302 when not written.
        public var statusCode: Int

        public init(scheme: String? = nil, hostname: String? = nil, path: PathModifier? = nil, port: Int? = nil,
                    statusCode: Int = 302) {
            self.scheme = scheme
            self.hostname = hostname
            self.path = path
            self.port = port
            self.statusCode = statusCode
        }
    }
}
