/// Where an HTTPRoute with Gateway parents is served: each Gateway listener it attaches to (its port on meshctl's
/// gateway) with the hosts it takes there. The one home of Gateway API's attachment rules, for validation (which
/// routes would share a host) and for the compiler (the gateway's listeners).
public struct IngressAttachment: Sendable, Hashable {
    public var gateway: String
    public var listener: String
    public var port: Int
    /// Host patterns (`web.example.com`, `*.example.com`); nil: any host.
    public var hosts: [String?]

    /// A parent attaches to every listener of its Gateway, or the one its `sectionName` / `port` names; the hosts are
    /// the intersection of the listener's `hostname` and the route's `hostnames` (none shared: not attached).
    public static func attachments(of route: HTTPRoute, gateways: [String: Gateway]) -> [IngressAttachment] {
        let names = Set(gateways.keys)
        var result: [IngressAttachment] = []
        for parent in route.spec.parentRefs where parent.isGateway(among: names) {
            guard let gateway = gateways[parent.name] else { continue }
            for listener in gateway.spec.listeners {
                if let section = parent.sectionName, section != listener.name { continue }
                if let port = parent.port, port != listener.port { continue }
                let hosts = GatewayHostname.intersection(listener: listener.hostname, route: route.spec.hostnames)
                guard !hosts.isEmpty else { continue }
                let attachment = IngressAttachment(gateway: gateway.metadata.name, listener: listener.name,
                                                   port: listener.port, hosts: hosts)
                if !result.contains(attachment) { result.append(attachment) }
            }
        }
        return result
    }
}
