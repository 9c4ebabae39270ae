/// The second pass: rules that span objects — those of one apply set, or (through `MeshValidator`) the whole mesh a
/// write would leave. Every rule adds errors at the mark of the offending reference and never stops at the first.
struct CrossValidator {
    let objects: [LoadedObject]
    /// Objects taken from the store rather than this apply set: their errors say so.
    private let stored: Set<ObjectKey>
    /// Objects the write deletes: references to them are reported by `MeshValidator` as dangling, not here.
    let removed: Set<ObjectKey>
    /// Where a reference was looked for, for "is not defined ..." messages.
    let scope: String
    private var diagnostics: [Diagnostic] = []
    private(set) var services: [String: (Service, ObjectSource)] = [:]
    private var splits: [String: (TrafficSplit, ObjectSource)] = [:]
    private var groups: [String: (HTTPRouteGroup, ObjectSource)] = [:]
    /// Gateways by name: what an HTTPRoute's ingress parents attach to.
    var gateways: [String: (Gateway, ObjectSource)] = [:]
    /// RateLimits by name: what an HTTPRoute rule's ExtensionRef filter names.
    var rateLimits: Set<String> = []

    /// Objects that exist but failed their own checks: references to them are not reported again.
    let invalid: Set<ObjectKey>

    init(objects: [LoadedObject], invalid: Set<ObjectKey> = [], stored: Set<ObjectKey> = [],
         removed: Set<ObjectKey> = [], withStore: Bool = false) {
        self.objects = objects
        self.invalid = invalid
        self.stored = stored
        self.removed = removed
        self.scope = withStore ? "in this apply set or the store" : "in this apply set"
    }

    static func validate(_ objects: [LoadedObject], invalid: Set<ObjectKey> = [], stored: Set<ObjectKey> = [],
                         removed: Set<ObjectKey> = [], withStore: Bool = false) -> [Diagnostic] {
        var validator = CrossValidator(objects: objects, invalid: invalid, stored: stored, removed: removed,
                                       withStore: withStore)
        validator.run()
        return validator.diagnostics
    }

    mutating func error(_ owner: LoadedObject, _ path: String, _ message: String) {
        let key = owner.object.key
        let note = stored.contains(key) ? " (in stored \(key), applied earlier)" : ""
        diagnostics.append(Diagnostic(file: owner.source.file, mark: owner.source.mark(of: path), path: path,
                                      message: message + note))
    }

    func location(_ source: ObjectSource, _ path: String = "metadata.name") -> String {
        "\(source.file):\(source.mark(of: path).line)"
    }

    private mutating func run() {
        indexAndCheckDuplicates()
        checkPorts()
        var splitRoots: [String: (TrafficSplit, ObjectSource)] = [:]
        for loaded in objects {
            guard case .trafficSplit(let split) = loaded.object else { continue }
            if let (other, otherSource) = splitRoots[split.spec.service] {
                guard other != split else { continue }
                error(
                    loaded,
                    "spec.service",
                    "service \"\(split.spec.service)\" is already split by TrafficSplit \"\(other.metadata.name)\" (\(location(otherSource)))"
                )
            } else {
                splitRoots[split.spec.service] = (split, loaded.source)
            }
        }
        let routeParents = indexRouteParents(splitRoots: splitRoots)
        for loaded in objects {
            switch loaded.object {
            case .service(let service):
                for (index, upstream) in (service.spec.upstreams ?? []).enumerated() {
                    requireService(upstream, loaded, "spec.upstreams[\(index)]")
                }
                // With a TrafficSplit that failed its own checks, whether this is its root cannot be known.
                if case .none = service.spec.workload, splitRoots[service.metadata.name] == nil,
                    routeParents[service.metadata.name] == nil,
                    service.spec.registration?.allowed != true,
                    !invalid.contains(where: { $0.kind == .trafficSplit || $0.kind == .httpRoute })
                {
                    error(
                        loaded,
                        "spec",
                        "service \"\(service.metadata.name)\" has neither command nor endpoints, does not allow registration and is not the root of a TrafficSplit nor the parent of an HTTPRoute, so nothing would serve it"
                    )
                }
            case .trafficSplit(let split):
                check(split, loaded, roots: splitRoots)
            case .httpRouteGroup:
                break
            case .retryPolicy(let policy):
                requireService(policy.spec.service, loaded, "spec.service")
            case .faultInjection(let fault):
                requireService(fault.spec.service, loaded, "spec.service")
            case .authorizationPolicy(let policy):
                requireService(policy.spec.service, loaded, "spec.service")
                check(policy, loaded)
            case .httpRoute(let route):
                check(route, loaded, splitRoots: splitRoots, routeParents: routeParents)
            case .rollout(let rollout):
                check(rollout, loaded)
            case .gateway, .gatewayClass, .rateLimit:
                break
            }
        }
        checkOnePerTarget()
    }

    private mutating func indexAndCheckDuplicates() {
        var seen: [ManifestKind: [String: ObjectSource]] = [:]
        for loaded in objects {
            let kind = loaded.object.kind
            let name = loaded.object.name
            if let first = seen[kind]?[name] {
                error(
                    loaded,
                    "metadata.name",
                    "duplicate \(kind.rawValue) \"\(name)\" (first defined at \(location(first)))"
                )
                continue
            }
            seen[kind, default: [:]][name] = loaded.source
            switch loaded.object {
            case .service(let service): services[name] = (service, loaded.source)
            case .trafficSplit(let split): splits[name] = (split, loaded.source)
            case .httpRouteGroup(let group): groups[name] = (group, loaded.source)
            case .gateway(let gateway): gateways[name] = (gateway, loaded.source)
            case .rateLimit: rateLimits.insert(name)
            case .retryPolicy, .rollout, .faultInjection, .httpRoute, .authorizationPolicy, .gatewayClass: break
            }
        }
    }

    /// No two services, nor a service and a blue-green preview, listen on one port.
    private mutating func checkPorts() {
        var owners: [Int: String] = [:]
        for loaded in objects {
            let port: Int
            let path: String
            let owner: String
            if case .gateway(let gateway) = loaded.object {
                // Listeners of one Gateway may share a port (by hostname); two owners may not.
                for (index, listener) in gateway.spec.listeners.enumerated() {
                    let listenerPath = "spec.listeners[\(index)].port"
                    let name = "gateway \"\(gateway.metadata.name)\""
                    if let first = owners[listener.port], !first.hasPrefix(name + " (") {
                        error(loaded, listenerPath, "port \(listener.port) is already used by \(first)")
                    } else if owners[listener.port] == nil {
                        owners[listener.port] = "\(name) (\(location(loaded.source, listenerPath)))"
                    }
                }
                continue
            }
            switch loaded.object {
            case .service(let service):
                (port, path, owner) = (service.spec.port, "spec.port", "service \"\(service.metadata.name)\"")
            case .rollout(let rollout):
                guard case .blueGreen(let blueGreen) = rollout.spec.strategy,
                    case .port(let previewPort) = blueGreen.preview
                else { continue }
                (port, path, owner) = (
                    previewPort, "spec.blueGreen.preview.port", "the preview of rollout \"\(rollout.metadata.name)\""
                )
            default:
                continue
            }
            if let first = owners[port] {
                error(loaded, path, "port \(port) is already used by \(first)")
            } else {
                owners[port] = "\(owner) (\(location(loaded.source, path)))"
            }
        }
    }

    /// `orGateway`: a parentRef without `kind`, which a Gateway of that name would have satisfied too.
    mutating func requireService(_ name: String, _ source: LoadedObject, _ path: String, orGateway: Bool = false) {
        let key = ObjectKey(kind: .service, name: name)
        guard services[name] == nil, !invalid.contains(key), !removed.contains(key) else { return }
        if orGateway, invalid.contains(ObjectKey(kind: .gateway, name: name)) { return }
        let suggestion = Suggestion.suffix(for: name, in: Array(services.keys).sorted())
        let what = orGateway ? "neither a service nor a Gateway \"\(name)\" is" : "service \"\(name)\" is"
        error(source, path, "\(what) not defined \(scope)\(suggestion)")
    }

    private mutating func check(
        _ split: TrafficSplit,
        _ source: LoadedObject,
        roots: [String: (TrafficSplit, ObjectSource)]
    ) {
        requireService(split.spec.service, source, "spec.service")
        var seen: Set<String> = []
        for (index, backend) in split.spec.backends.enumerated() {
            let path = "spec.backends[\(index)].service"
            if backend.service == split.spec.service {
                error(source, path, "a split's root service \"\(backend.service)\" cannot be its own backend")
                continue
            }
            if !seen.insert(backend.service).inserted {
                error(source, path, "service \"\(backend.service)\" is listed twice")
                continue
            }
            requireService(backend.service, source, path)
            if let (other, otherSource) = roots[backend.service] {
                error(
                    source,
                    path,
                    "service \"\(backend.service)\" is the root of TrafficSplit \"\(other.metadata.name)\" (\(location(otherSource))); splits do not nest"
                )
            }
        }
        if !split.spec.backends.isEmpty, split.spec.backends.allSatisfy({ $0.weight == 0 }) {
            error(source, "spec.backends", "at least one backend needs a weight above 0")
        }
        for (index, match) in split.spec.matches.enumerated() {
            let path = "spec.matches[\(index)].name"
            guard let (group, _) = groups[match.name] else {
                let key = ObjectKey(kind: .httpRouteGroup, name: match.name)
                if invalid.contains(key) || removed.contains(key) { continue }
                let suggestion = Suggestion.suffix(for: match.name, in: Array(groups.keys).sorted())
                error(source, path, "HTTPRouteGroup \"\(match.name)\" is not defined \(scope)\(suggestion)")
                continue
            }
            let names = group.spec.matches.map(\.name)
            for (nameIndex, name) in match.matches.enumerated() where !names.contains(name) {
                let namePath = "spec.matches[\(index)].matches[\(nameIndex)]"
                error(
                    source,
                    namePath,
                    "HTTPRouteGroup \"\(group.metadata.name)\" has no match \"\(name)\"\(Suggestion.suffix(for: name, in: names))"
                )
            }
        }
    }

    private mutating func check(_ rollout: Rollout, _ source: LoadedObject) {
        if let route = rollout.spec.httpRoute {
            checkRolloutRoute(rollout, route: route, source)
            return
        }
        guard let (split, _) = splits[rollout.spec.trafficSplit] else {
            let key = ObjectKey(kind: .trafficSplit, name: rollout.spec.trafficSplit)
            if invalid.contains(key) || removed.contains(key) { return }
            let suggestion = Suggestion.suffix(for: rollout.spec.trafficSplit, in: Array(splits.keys).sorted())
            error(
                source,
                "spec.trafficSplit",
                "TrafficSplit \"\(rollout.spec.trafficSplit)\" is not defined \(scope)\(suggestion)"
            )
            return
        }
        let (strategy, stableKey, newKey): (String, String, String) =
            switch rollout.spec.strategy {
            case .canary: ("canary", "stableService", "canaryService")
            case .blueGreen: ("blueGreen", "activeService", "previewService")
            }
        let backends = split.spec.backends.map(\.service)
        for (key, name) in [(stableKey, rollout.spec.stableService), (newKey, rollout.spec.newService)]
        where !backends.contains(name) {
            error(
                source,
                "spec.\(strategy).\(key)",
                "service \"\(name)\" is not a backend of TrafficSplit \"\(split.metadata.name)\" (its backends: \(backends.joined(separator: ", ")))"
            )
        }
        if rollout.spec.stableService == rollout.spec.newService {
            error(source, "spec.\(strategy).\(newKey)", "must differ from \(stableKey)")
        }
    }

    /// One RetryPolicy per service and one Rollout per TrafficSplit: two would fight over the same settings.
    private mutating func checkOnePerTarget() {
        var policies: [String: ObjectSource] = [:]
        var rollouts: [String: ObjectSource] = [:]
        for loaded in objects {
            switch loaded.object {
            case .retryPolicy(let policy):
                if let first = policies[policy.spec.service] {
                    error(
                        loaded,
                        "spec.service",
                        "service \"\(policy.spec.service)\" already has a RetryPolicy (\(location(first)))"
                    )
                } else {
                    policies[policy.spec.service] = loaded.source
                }
            case .rollout(let rollout):
                if let first = rollouts[rollout.spec.routingSplit] {
                    let (field, kind, name) = rollout.spec.httpRoute.map { ("spec.httpRoute", "HTTPRoute", $0) }
                        ?? ("spec.trafficSplit", "TrafficSplit", rollout.spec.trafficSplit)
                    error(loaded, field, "\(kind) \"\(name)\" already has a Rollout (\(location(first)))")
                } else {
                    rollouts[rollout.spec.routingSplit] = loaded.source
                }
            default:
                break
            }
        }
    }
}
