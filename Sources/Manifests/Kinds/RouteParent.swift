import Foundation

/// Which HTTPRoutes route each parent: the one home of Gateway API's merging. Several routes may attach to one
/// parent — a Service (mesh use) or a host of a Gateway listener (ingress) — and their rules are merged into one
/// split (the reconciler's `HTTPRouteTranslation.split`), ordered by Gateway API's precedence across routes; validation
/// asks the same grouping which routes share a parent.
public struct RouteParent: Sendable, Hashable {
    /// One route attached to the parent.
    public struct Member: Sendable, Hashable {
        public var route: HTTPRoute
        /// Gateway API's hostname precedence for ingress (rules of the route with the more specific matching host
        /// come first, before any match precedence): an exact host, then the longer wildcard, then any host.
        /// Empty for a Service parent (a mesh route matches whatever Host the caller used).
        public var host: [Int] = []

        public init(route: HTTPRoute, host: [Int] = []) {
            self.route = route
            self.host = host
        }
    }

    /// Where an ingress parent sits: requests to `host` on the listener's port go to `root`.
    public struct Ingress: Sendable, Hashable {
        public var port: Int
        public var listenerHostname: String?
        /// nil: any host.
        public var host: String?
    }

    /// The service the merged split hangs from: the parent Service, or the endpoint-less ingress service of a
    /// (port, listener, host) (`ingressService`).
    public var root: String
    /// In Gateway API's order between routes: host specificity, then the oldest, then `{namespace}/{name}`.
    public var members: [Member]
    public var ingress: Ingress?

    public init(root: String, members: [Member], ingress: Ingress? = nil) {
        self.root = root
        self.members = members
        self.ingress = ingress
    }

    /// `httproute/NAME` for one route (what a Rollout's `spec.httpRoute` names, `Rollout.Spec.routingSplit`);
    /// the member names joined by `+` for a merged parent (validation keeps rollouts off those).
    public var splitName: String { "httproute/" + members.map(\.route.metadata.name).joined(separator: "+") }

    /// Every parent routed by `routes`: Service parents by name, then ingress parents by port, listener and host.
    /// - Parameter createdAt: each route's creation time, by name (the store's); unknown ones count as newest.
    public static func parents(_ routes: [HTTPRoute], gateways: [Gateway], createdAt: [String: Date] = [:]) -> [RouteParent] {
        let byName = Dictionary(gateways.map { ($0.metadata.name, $0) }, uniquingKeysWith: { first, _ in first })
        let names = Set(byName.keys)
        let ordered = routes.sorted { older($0, $1, createdAt) }
        var services: [String: [Member]] = [:]
        for route in ordered {
            for parent in route.spec.parentRefs where !parent.isGateway(among: names) {
                if services[parent.name]?.contains(where: { $0.route == route }) != true {
                    services[parent.name, default: []].append(Member(route: route))
                }
            }
        }
        let mesh = services.sorted { $0.key < $1.key }.map { RouteParent(root: $0.key, members: $0.value) }
        return mesh + ingressParents(ordered, gateways: byName)
    }

    /// Ingress: each (listener, host) a route takes is a parent; every route on that listener whose host pattern
    /// covers it (the same host, a wider wildcard, or any host) takes part, the more specific first.
    /// `ordered`: the routes oldest first.
    private static func ingressParents(_ ordered: [HTTPRoute], gateways byName: [String: Gateway]) -> [RouteParent] {
        var ingress: [String: RouteParent] = [:]
        var attached: [String: [(route: HTTPRoute, hosts: [String?])]] = [:]
        var listenerPorts: [String: (port: Int, hostname: String?)] = [:]
        for route in ordered {
            for attachment in IngressAttachment.attachments(of: route, gateways: byName) {
                let key = "\(attachment.gateway)/\(attachment.listener)"
                let hostname = byName[attachment.gateway]?.spec.listeners.first { $0.name == attachment.listener }?.hostname
                listenerPorts[key] = (attachment.port, hostname)
                attached[key, default: []].append((route, attachment.hosts))
            }
        }
        for (listener, routesThere) in attached {
            guard let (port, hostname) = listenerPorts[listener] else { continue }
            var hosts: [String?] = []
            for (_, routeHosts) in routesThere { for host in routeHosts where !hosts.contains(host) { hosts.append(host) } }
            for host in hosts {
                var members: [Member] = []
                for (route, patterns) in routesThere {
                    let covering = patterns.filter { covers($0, host) }.map(specificity).min { $0.lexicographicallyPrecedes($1) }
                    if let covering { members.append(Member(route: route, host: covering)) }
                }
                // Stable: routes of equal host specificity keep the oldest-first order.
                let sorted = members.enumerated().sorted { ($0.element.host + [$0.offset]).lexicographicallyPrecedes($1.element.host + [$1.offset]) }
                let root = ingressService(port: port, listener: listener, host: host)
                ingress[root] = RouteParent(root: root, members: sorted.map(\.element),
                                            ingress: Ingress(port: port, listenerHostname: hostname, host: host))
            }
        }
        return ingress.values.sorted { $0.root < $1.root }
    }

    /// The endpoint-less service an ingress parent's split hangs from; the colon keeps it apart from every
    /// DNS-label service name.
    /// `listener`: `GATEWAY/LISTENER`.
    public static func ingressService(port: Int, listener: String, host: String?) -> String {
        "ingress:\(port)/\(listener)/\(host ?? "*")"
    }

    /// Gateway API's host precedence: an exact host, then wildcards (the longer first), then any host.
    public static func specificity(_ host: String?) -> [Int] {
        guard let host else { return [2, 0] }
        return host.hasPrefix("*.") ? [1, -host.count] : [0, -host.count]
    }

    /// Whether a route taking `pattern` also takes every request for `host`: the same pattern, any host, or a
    /// wildcard whose domain holds `host` (`*.example.com` covers `a.example.com` and `*.a.example.com`).
    public static func covers(_ pattern: String?, _ host: String?) -> Bool {
        guard let pattern else { return true }
        guard let host else { return false }
        return pattern == host || GatewayHostname.matches(pattern, host: host)
    }

    /// Gateway API's order between routes of equal match precedence: the oldest, then `{namespace}/{name}`.
    public static func older(_ lhs: HTTPRoute, _ rhs: HTTPRoute, _ createdAt: [String: Date]) -> Bool {
        let (left, right) = (createdAt[lhs.metadata.name] ?? .distantFuture, createdAt[rhs.metadata.name] ?? .distantFuture)
        if left != right { return left < right }
        return qualifiedName(lhs) < qualifiedName(rhs)
    }

    private static func qualifiedName(_ route: HTTPRoute) -> String {
        "\(route.metadata.namespace ?? "default")/\(route.metadata.name)"
    }
}
