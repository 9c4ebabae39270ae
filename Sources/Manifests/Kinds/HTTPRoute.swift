/// Gateway API `HTTPRoute` (gateway.networking.k8s.io/v1) for mesh use (GAMMA): a route whose parent is a Service
/// sends the requests callers address to that Service through its rules — matches, weighted backends, timeouts,
/// filters. An alternative to TrafficSplit + HTTPRouteGroup for the same Service (one or the other).
public struct HTTPRoute: Sendable, Hashable, Codable {
    public var apiVersion: String
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(apiVersion: String = APIVersion.gateway, metadata: ObjectMeta, spec: Spec) {
        self.apiVersion = apiVersion
        self.metadata = metadata
        self.spec = spec
    }

    public struct Spec: Sendable, Hashable, Codable {
        public var parentRefs: [ParentRef]
        /// Accepted as written; a mesh route matches whatever Host the caller used for the parent Service.
        public var hostnames: [String]
        public var rules: [Rule]

        public init(parentRefs: [ParentRef], hostnames: [String] = [], rules: [Rule]) {
            self.parentRefs = parentRefs
            self.hostnames = hostnames
            self.rules = rules
        }
    }

    /// What the route attaches to: a Service (mesh use, GAMMA) or a Gateway (ingress through meshctl's gateway).
    public struct ParentRef: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable {
            case service = "Service"
            case gateway = "Gateway"
        }
        public var name: String
        /// As written; nil when neither `group` nor `kind` is (see `isGateway`).
        public var kind: Kind?
        /// Accepted as written for a Service (meshctl's Service has one port); a Gateway listener's port.
        public var port: Int?
        /// A Gateway's listener by name; nil: every listener of the Gateway.
        public var sectionName: String?

        public init(name: String, kind: Kind? = nil, port: Int? = nil, sectionName: String? = nil) {
            self.name = name
            self.kind = kind
            self.port = port
            self.sectionName = sectionName
        }

        /// The one home of what an unwritten `kind` means. Gateway API's default is a Gateway; meshctl's mesh
        /// routes were written with `parentRefs: [{name: web}]` before Gateways existed here, so an unwritten kind
        /// names a Gateway when one of that name exists (`gateways`), else a Service.
        public func isGateway(among gateways: Set<String>) -> Bool {
            kind == .gateway || (kind == nil && gateways.contains(name))
        }
    }

    public struct Rule: Sendable, Hashable, Codable {
        public var name: String?
        /// Any of them (OR); empty means every request (`PathPrefix /`).
        public var matches: [Match]
        public var backendRefs: [BackendRef]
        public var timeouts: Timeouts?
        /// A `RequestMirror` filter: copies of the rule's requests go to another Service.
        public var mirror: Mirror?
        /// Header modifiers, URL rewrite, redirect.
        public var filters: Filters

        public init(name: String? = nil, matches: [Match] = [], backendRefs: [BackendRef] = [], timeouts: Timeouts? = nil,
                    mirror: Mirror? = nil, filters: Filters = Filters()) {
            self.name = name
            self.matches = matches
            self.backendRefs = backendRefs
            self.timeouts = timeouts
            self.mirror = mirror
            self.filters = filters
        }
    }

    /// `RequestMirror`: `backendRef` (a Service) and the share of requests copied (`percent`, or `fraction`).
    public struct Mirror: Sendable, Hashable, Codable {
        public var service: String
        public var port: Int?
        /// 0–100; 100 when neither `percent` nor `fraction` is written.
        public var percentage: Double

        public init(service: String, port: Int? = nil, percentage: Double = 100) {
            self.service = service
            self.port = port
            self.percentage = percentage
        }
    }

    public struct Match: Sendable, Hashable, Codable {
        public var path: PathMatch
        public var headers: [ValueMatch]
        public var queryParams: [ValueMatch]
        public var method: String?

        public init(path: PathMatch = PathMatch(), headers: [ValueMatch] = [], queryParams: [ValueMatch] = [],
                    method: String? = nil) {
            self.path = path
            self.headers = headers
            self.queryParams = queryParams
            self.method = method
        }
    }

    public struct PathMatch: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
            case exact = "Exact"
            case pathPrefix = "PathPrefix"
            case regularExpression = "RegularExpression"
        }
        public var type: Kind
        public var value: String

        public init(type: Kind = .pathPrefix, value: String = "/") {
            self.type = type
            self.value = value
        }
    }

    /// A header or query parameter condition.
    public struct ValueMatch: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
            case exact = "Exact"
            case regularExpression = "RegularExpression"
        }
        public var type: Kind
        public var name: String
        public var value: String

        public init(type: Kind = .exact, name: String, value: String) {
            self.type = type
            self.name = name
            self.value = value
        }
    }

    public struct BackendRef: Sendable, Hashable, Codable {
        public var name: String
        public var port: Int?
        /// 0–1,000,000, relative; 1 when not written.
        public var weight: Int

        public init(name: String, port: Int? = nil, weight: Int = 1) {
            self.name = name
            self.port = port
            self.weight = weight
        }
    }

    public struct Timeouts: Sendable, Hashable, Codable {
        /// The whole request, retries included.
        public var request: Duration?
        /// One try to a backend.
        public var backendRequest: Duration?

        public init(request: Duration? = nil, backendRequest: Duration? = nil) {
            self.request = request
            self.backendRequest = backendRequest
        }
    }

    /// Gateway API's own limits (the CRD's maxItems and maximums).
    public enum Limits {
        public static let parentRefs = 32
        public static let hostnames = 16
        public static let rules = 16
        public static let matches = 64
        /// Across all rules of a route (a rule without `matches` counts its one default match).
        public static let matchesPerRoute = 128
        public static let backendRefs = 16
        public static let filters = 16
        public static let headers = 16
        public static let queryParams = 16
        public static let weight = 1_000_000
        public static let pathLength = 1024
        public static let nameLength = 256
        public static let headerValueLength = 4096
        public static let queryValueLength = 1024
        public static let ruleNameLength = 253
    }
}
