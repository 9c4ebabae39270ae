import Manifests
import SidecarConfig

/// Gateway API ingress on the gateway process: each port of a Gateway is a `gateway` listener whose routes send each
/// host to the ingress service of the HTTPRoute attached there (`HTTPRouteTranslation.ingressService`), whose split
/// holds the route's rules. A host no route takes gets 404, as does a path no rule of its route matches.
enum IngressListeners {
    static func listeners(_ inputs: MeshInputs) -> [Listener] {
        let gateways = Dictionary(inputs.gateways.map { ($0.metadata.name, $0) }, uniquingKeysWith: { a, _ in a })
        var routesByPort: [Int: [GatewayRoute]] = [:]
        var owners: [Int: String] = [:]
        for gateway in inputs.gateways {
            for listener in gateway.spec.listeners where owners[listener.port] == nil {
                owners[listener.port] = gateway.metadata.name
                routesByPort[listener.port] = []
            }
        }
        for route in inputs.httpRoutes {
            let service = HTTPRouteTranslation.ingressService(route)
            for attachment in IngressAttachment.attachments(of: route, gateways: gateways) {
                for host in attachment.hosts {
                    routesByPort[attachment.port, default: []].append(GatewayRoute(host: host, service: service))
                }
            }
        }
        return routesByPort.sorted { $0.key < $1.key }.map { port, routes in
            Listener(name: "gateway/\(owners[port] ?? "")/\(port)", kind: .gateway, address: "127.0.0.1:\(port)",
                     routes: routes.enumerated()
                        .sorted { (specificity($0.element.host) + [$0.offset]).lexicographicallyPrecedes(specificity($1.element.host) + [$1.offset]) }
                        .map(\.element))
        }
    }

    /// An empty service per ingress route, the root its split hangs from (never called itself).
    static func services(_ inputs: MeshInputs) -> [ServiceConfig] {
        let gateways = Set(inputs.gateways.map(\.metadata.name))
        return inputs.httpRoutes.filter { route in route.spec.parentRefs.contains { $0.isGateway(among: gateways) } }
            .map { ServiceConfig(name: HTTPRouteTranslation.ingressService($0), endpoints: []) }
    }

    /// Gateway API's host precedence: an exact host, then wildcards (the longer first), then any host.
    private static func specificity(_ host: String?) -> [Int] {
        guard let host else { return [2, 0] }
        return host.hasPrefix("*.") ? [1, -host.count] : [0, 0]
    }
}
