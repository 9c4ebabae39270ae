import Manifests
import MeshDNS
import SidecarConfig

/// The DNS zone from a compiled world: every applied Service with its port on the gateway, and the endpoints the
/// gateway balances over (ready replicas, static and registered endpoints), so DNS and the proxies agree.
enum MeshZone {
    static func make(services: [Service], gateway: SidecarConfiguration?, ttl: UInt32) -> DNSZone {
        var entries: [String: DNSZone.Entry] = [:]
        for service in services {
            let name = service.metadata.name
            entries[name] = DNSZone.Entry(port: service.spec.port,
                                          endpoints: gateway?.service(named: name)?.endpoints ?? [])
        }
        return DNSZone(services: entries, ttl: ttl)
    }
}
