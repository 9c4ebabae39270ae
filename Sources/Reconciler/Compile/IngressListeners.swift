import Manifests
import SidecarConfig

/// Gateway API ingress on the gateway process: each port of a Gateway is a `gateway` listener whose routes send each
/// host to the ingress service of that (listener, host) (`RouteParent.ingressService`), whose split holds the merged
/// rules of every HTTPRoute attached there. A host no route takes gets 404, as does a path no rule matches.
enum IngressListeners {
    static func listeners(gateways: [Gateway], parents: [RouteParent]) -> [Listener] {
        var routesByPort: [Int: [(route: GatewayRoute, rank: [Int])]] = [:]
        var owners: [Int: String] = [:]
        for gateway in gateways {
            for listener in gateway.spec.listeners where owners[listener.port] == nil {
                owners[listener.port] = gateway.metadata.name
                routesByPort[listener.port] = []
            }
        }
        for parent in parents {
            guard let ingress = parent.ingress else { continue }
            // The request's host first, then the listener's: of two listeners sharing a port, the more specific
            // hostname takes the request (Gateway API).
            let rank = RouteParent.specificity(ingress.host) + RouteParent.specificity(ingress.listenerHostname)
            routesByPort[ingress.port, default: []].append((GatewayRoute(host: ingress.host, service: parent.root), rank))
        }
        return routesByPort.sorted { $0.key < $1.key }.map { port, routes in
            Listener(name: "gateway/\(owners[port] ?? "")/\(port)", kind: .gateway, address: "127.0.0.1:\(port)",
                     routes: routes.enumerated()
                        .sorted { ($0.element.rank + [$0.offset]).lexicographicallyPrecedes($1.element.rank + [$1.offset]) }
                        .map(\.element.route))
        }
    }

    /// An empty service per ingress parent, the root its split hangs from (never called itself).
    static func services(_ parents: [RouteParent]) -> [ServiceConfig] {
        parents.filter { $0.ingress != nil }.map { ServiceConfig(name: $0.root, endpoints: []) }
    }
}
