/// Gateway API `Gateway` (gateway.networking.k8s.io/v1): ports of meshctl's one gateway process. Each HTTP listener
/// is a port on 127.0.0.1 that routes by the HTTPRoutes attached to it (`parentRefs` naming this Gateway): by Host
/// (`hostnames`) and then by the routes' rules. Every Gateway is served by the same gateway process, whatever its
/// `gatewayClassName`.
public struct Gateway: Sendable, Hashable, Codable {
    public var apiVersion: String
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(apiVersion: String = APIVersion.gateway, metadata: ObjectMeta, spec: Spec) {
        self.apiVersion = apiVersion
        self.metadata = metadata
        self.spec = spec
    }

    public struct Spec: Sendable, Hashable, Codable {
        /// Accepted as written; need not name a GatewayClass meshctl knows.
        public var gatewayClassName: String
        public var listeners: [Listener]

        public init(gatewayClassName: String, listeners: [Listener]) {
            self.gatewayClassName = gatewayClassName
            self.listeners = listeners
        }
    }

    /// One port. meshctl serves `protocol: HTTP` only.
    public struct Listener: Sendable, Hashable, Codable {
        public var name: String
        /// Only requests for this host (or, `*.example.com`, its subdomains) reach the listener's routes.
        public var hostname: String?
        public var port: Int

        public init(name: String, hostname: String? = nil, port: Int) {
            self.name = name
            self.hostname = hostname
            self.port = port
        }
    }

    /// Gateway API's own limits (the CRD's maxItems).
    public enum Limits {
        public static let listeners = 64
        public static let hostnameLength = 253
    }
}

/// Gateway API's hostnames: a lower-case DNS name, optionally with one leading `*.` label (any subdomain); no IP.
public enum GatewayHostname {
    public static func isValid(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= Gateway.Limits.hostnameLength else { return false }
        let name = text.hasPrefix("*.") ? String(text.dropFirst(2)) : text
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.allSatisfy({ DNSLabel.isValid(String($0)) }) else { return false }
        // An IP address is not a hostname (Gateway API).
        return !labels.allSatisfy { $0.allSatisfy(\.isNumber) }
    }

    /// Whether `host` (a request's Host, lower-cased, no port) is `pattern` or, for `*.suffix`, one of its subdomains.
    public static func matches(_ pattern: String, host: String) -> Bool {
        guard pattern.hasPrefix("*.") else { return pattern == host }
        let suffix = pattern.dropFirst(1)
        return host.count > suffix.count && host.hasSuffix(suffix)
    }

    /// The hosts both a listener's `hostname` and a route's `hostnames` allow (Gateway API's intersection): nil
    /// entries mean any host. Empty when they share none, so the route does not attach to that listener.
    public static func intersection(listener: String?, route: [String]) -> [String?] {
        guard let listener else { return route.isEmpty ? [nil] : route }
        if route.isEmpty { return [listener] }
        var result: [String?] = []
        for host in route {
            if matches(listener, host: host) || host == listener {
                result.append(host)
            } else if matches(host, host: listener) {
                result.append(listener)
            }
        }
        return result
    }
}
