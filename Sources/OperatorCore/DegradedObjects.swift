import Manifests
import OperatorAPI
import Reconciler
import SidecarConfig

/// Which applied objects the proxies degrade, and why: each proxy's `SidecarConfiguration.degradedRoutes()` (what it
/// lists in `GET /config`) traced back to the TrafficSplit, RetryPolicy or Service that owns the route.
///
/// Only proxies that report the configuration version we computed count: their running configuration is then exactly
/// `world.configurations[slot]`, so its degraded routes are the ones the proxy itself reports, without fetching and
/// decoding 200 whole configurations every pass (the poll asks `/config/version` only).
struct DegradedObjects: Sendable {
    struct Key: Hashable, Sendable {
        var kind: ManifestKind
        var name: String
    }

    struct Finding: Sendable, Equatable {
        /// The services the object needs that the proxies' configurations do not define, sorted.
        var missingServices: [String]
        /// How many proxies degrade it.
        var proxies: Int
        /// What the proxies do instead, as they say it (`DegradedRoute.reason`), sorted and without repeats.
        var effects: [String]
    }

    private(set) var findings: [Key: Finding] = [:]

    /// Nothing degraded.
    init() {}

    init(instances: [ObservedInstance], world: DesiredWorld) {
        var missing: [Key: Set<String>] = [:]
        var effects: [Key: Set<String>] = [:]
        var counts: [Key: Int] = [:]
        for instance in instances where instance.slot.role != .workload && instance.isReady {
            guard let config = world.configurations[instance.slot],
                  instance.observed.configVersion == config.version else { continue }
            var seen: [Key: Set<String>] = [:]
            for route in config.degradedRoutes() {
                guard let (key, service) = Self.owner(of: route, in: config) else { continue }
                seen[key, default: []].insert(service)
                effects[key, default: []].insert(route.reason)
            }
            for (key, services) in seen {
                missing[key, default: []].formUnion(services)
                counts[key, default: 0] += 1
            }
        }
        for (key, services) in missing {
            findings[key] = Finding(missingServices: services.sorted(), proxies: counts[key] ?? 0,
                                    effects: (effects[key] ?? []).sorted())
        }
    }

    func finding(kind: ManifestKind, name: String) -> Finding? { findings[Key(kind: kind, name: name)] }

    /// The object a degraded route belongs to and the service it misses, from the route's configuration path
    /// (`splits[2].backends[1].service`, `retryPolicies[0].service`, `listeners[1].routes[3].service`).
    static func owner(of route: DegradedRoute, in config: SidecarConfiguration) -> (Key, String)? {
        let parts = route.path.split(separator: ".")
        guard let (table, index) = indexed(parts.first) else { return nil }
        switch table {
        case "splits" where config.splits.indices.contains(index):
            let split = config.splits[index]
            let service: String
            if parts.count >= 3, let (_, backend) = indexed(parts[1]), split.backends.indices.contains(backend) {
                service = split.backends[backend].service
            } else {
                service = split.rootService
            }
            return (Key(kind: .trafficSplit, name: split.name), service)
        case "retryPolicies" where config.retryPolicies.indices.contains(index):
            let policy = config.retryPolicies[index]
            return (Key(kind: .retryPolicy, name: policy.name), policy.service)
        case "listeners" where config.listeners.indices.contains(index):
            // A listener or gateway route for a Service the configuration lacks: that Service's status says so.
            let listener = config.listeners[index]
            if parts.count >= 3, let (_, routeIndex) = indexed(parts[1]), listener.routes.indices.contains(routeIndex) {
                let service = listener.routes[routeIndex].service
                return (Key(kind: .service, name: service), service)
            }
            guard let service = listener.service else { return nil }
            return (Key(kind: .service, name: service), service)
        default:
            return nil
        }
    }

    /// `splits[2]` -> ("splits", 2).
    private static func indexed(_ part: Substring?) -> (String, Int)? {
        guard let part, let open = part.firstIndex(of: "["), part.last == "]",
              let index = Int(part[part.index(after: open)..<part.index(before: part.endIndex)]) else { return nil }
        return (String(part[..<open]), index)
    }
}

extension DegradedObjects.Finding {
    /// The `Degraded` condition an object gets while proxies degrade its route.
    var condition: Condition {
        Condition(type: "Degraded", status: "True", reason: "UnknownService",
                  message: "\(proxies) prox\(proxies == 1 ? "y reports" : "ies report") " + effects.joined(separator: "; ")
                      + " (define the Service or change the reference)")
    }
}
