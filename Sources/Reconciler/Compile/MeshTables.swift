import Manifests
import SidecarConfig

/// The mesh-wide routing tables every proxy shares (services with their live endpoints, splits, retry policies),
/// and the per-process configurations built from them.
struct MeshTables {
    var services: [ServiceConfig] = []
    var splits: [TrafficSplitConfig] = []
    var retryPolicies: [RetryPolicyConfig] = []
    var faults: [FaultConfig] = []
    /// By Service: what its replicas' inbound listeners enforce (its own policies, and those of a split or route
    /// it is a backend of).
    var authorizations: [String: [AuthorizationPolicyConfig]] = [:]
    /// Every parent HTTPRoutes route (a Service, a host of a Gateway listener), with the routes merged there.
    let routeParents: [RouteParent]
    /// The inputs these tables were made from; `route(_:)` moves them to new routing inputs.
    private(set) var inputs: MeshInputs

    init(inputs: MeshInputs, replicas: [ReplicaPlan]) {
        self.inputs = inputs
        routeParents = RouteParent.parents(inputs.httpRoutes, gateways: inputs.gateways,
                                           createdAt: inputs.httpRouteCreatedAt)
        var endpoints: [String: [String]] = [:]
        for plan in replicas where !(inputs.readyWorkloadPorts[plan.workload.slot] ?? []).isEmpty {
            // Every ready sidecar of the replica: while a new one replaces the old, both are endpoints until the
            // old one drains (then it is no longer observed ready), so traffic moves without a gap.
            for port in (inputs.readyInboundPorts[plan.sidecar.slot] ?? []).sorted() {
                endpoints[plan.service.metadata.name, default: []].append("127.0.0.1:\(port)")
            }
        }
        for service in inputs.services {
            let name = service.metadata.name
            let list = endpoints[name] ?? []
            var config = ManifestTranslation.serviceConfig(service, name: name, endpoints: list)
            let registered = inputs.registeredEndpoints[name] ?? []
            if case .endpoints(let statics) = service.spec.workload {
                config.endpoints = statics.map(\.description) + registered
            } else {
                // Registered instances prove their health by heartbeat (TTL), as replicas do by the operator's probes.
                config.endpoints += registered
                // The operator health-checks every replica itself and lists only ready ones; a proxy-side check
                // would hold each newly listed endpoint back until its own first check (a gap of 503s).
                // Static endpoints, which nobody else checks, keep the proxy's active health check.
                config.healthCheck = nil
                // Its replicas' endpoints are mesh sidecars, which have identities: callers speak mTLS to them.
                config.mtls = inputs.identitySocket != nil
            }
            // One rule for everything the operator did not start (static endpoints, registered instances): it has
            // no mesh identity and speaks plaintext HTTP. A service of static endpoints has no `mtls` at all.
            if config.mtls { config.plaintextEndpoints = registered }
            services.append(config)
        }
        services += IngressListeners.services(routeParents)
        retryPolicies = inputs.retryPolicies.map(ManifestTranslation.retryPolicyConfig)
        faults = inputs.faultInjections.map(ManifestTranslation.faultConfig)
        route(inputs)
    }

    /// Takes `inputs`' routing (`MeshInputs.routing`: splits, route groups and what rollouts hold in them) into the
    /// tables: the splits, and the authorizations that follow them (a split root's policy is enforced by its
    /// backends). The one home of both, for a full compile and for one that only routing changed (`PlanMemo`).
    mutating func route(_ inputs: MeshInputs) {
        self.inputs = inputs
        let groups = Dictionary(inputs.routeGroups.map { ($0.metadata.name, $0) }, uniquingKeysWith: { a, _ in a })
        splits = inputs.splits.map {
            ManifestTranslation.splitConfig($0, overrides: inputs.weightOverrides[$0.metadata.name], groups: groups,
                                            pinned: inputs.pinnedRoutes[$0.metadata.name] ?? [])
        } + routeParents.map { parent in
            HTTPRouteTranslation.split(parent, rateLimits: inputs.rateLimits, overrides: inputs.weightOverrides,
                                       pinned: inputs.pinnedRoutes[parent.splitName] ?? [])
        }
        // A rollout's routing beside its weights: mirror routes and session affinity.
        for index in splits.indices {
            splits[index].mirrorRoutes = inputs.mirrorRoutes[splits[index].name] ?? []
            splits[index].sessionAffinity = inputs.sessionAffinities[splits[index].name]
        }
        authorizations = [:]
        for policy in inputs.authorizationPolicies {
            // A split root's or route parent's policy is enforced where its requests are answered: its backends.
            let config = ManifestTranslation.authorizationConfig(policy)
            for service in AuthorizationPolicy.enforcingServices(for: policy.spec.service, splits: inputs.splits,
                                                                 routes: inputs.httpRoutes) {
                authorizations[service, default: []].append(config)
            }
        }
    }

    /// Whether these tables differ from `other`'s in split weights alone (a weight change, a rollout's step):
    /// the same splits with the same roots, services and matches, the same authorizations, and `route(_:)` changes
    /// nothing else.
    func differsInWeightsAlone(from other: MeshTables) -> Bool {
        authorizations == other.authorizations && splits.count == other.splits.count
            && zip(splits, other.splits).allSatisfy { $0.withoutWeights == $1.withoutWeights }
    }

    /// A replica's sidecar: inbound in front of its own workload, outbound routing by Host to every service in
    /// `scope` (the whole mesh unless its Service declares `upstreams`). `tables`: the last compile's service tables,
    /// reused where unchanged.
    func sidecarConfiguration(for plan: ReplicaPlan, scope: MeshScope, tables: ServiceTableMemo? = nil) -> SidecarConfiguration {
        let name = plan.service.metadata.name
        var local = ManifestTranslation.serviceConfig(
            plan.service, name: Self.localServiceName(name),
            endpoints: (inputs.readyWorkloadPorts[plan.workload.slot] ?? []).map { "127.0.0.1:\($0)" })
        // The operator health-checks the local workload before listing it here; a second, proxy-side check would
        // start each new instance as unhealthy and open a gap when a replacement takes over from the old one.
        local.healthCheck = nil
        var config = SidecarConfiguration(
            version: "",
            listeners: [
                Listener(name: "inbound", kind: .inbound, address: "127.0.0.1:\(plan.inboundPort)",
                         service: Self.localServiceName(name), mtls: inboundMTLS(plan.service),
                         authorization: authorizations[name]),
                Listener(name: "outbound", kind: .outbound, address: "127.0.0.1:\(plan.outboundPort)",
                         upstreams: scope.declared),
            ] + plan.tcpOutbounds.map {
                Listener(name: "tcp-\($0.service)", kind: .outbound, address: "127.0.0.1:\($0.port)", service: $0.service)
            },
            services: tables?.table(scope.services, local: local, for: plan.sidecar.slot) ?? scope.services + [local],
            splits: scope.splits,
            retryPolicies: scope.retryPolicies)
        config.faults = scope.faults
        return config
    }

    /// The Service's `spec.mtls`, only on proxies with an identity (without one, `strict` would refuse everyone).
    private func inboundMTLS(_ service: Service) -> MTLSMode? {
        guard inputs.identitySocket != nil, let mode = service.spec.mtls else { return nil }
        switch mode {
        case .strict: return .strict
        case .permissive: return .permissive
        }
    }

    /// The gateway: every Service's own port, the routing listener by Host, and every Gateway's listeners.
    func gatewayConfiguration(for gateway: GatewayPlan) -> SidecarConfiguration {
        var listeners = [
            Listener(name: "gateway", kind: .gateway, address: "127.0.0.1:\(inputs.gatewayPort)",
                     routes: inputs.services.map { GatewayRoute(host: $0.metadata.name, service: $0.metadata.name) })
        ]
        for service in inputs.services {
            listeners.append(Listener(name: "service-\(service.metadata.name)", kind: .outbound,
                                      address: "127.0.0.1:\(service.spec.port)", service: service.metadata.name))
        }
        listeners += IngressListeners.listeners(gateways: inputs.gateways, parents: routeParents)
        for (port, service) in inputs.previewPorts.sorted(by: { $0.key < $1.key }) {
            listeners.append(Listener(name: "preview-\(service)", kind: .outbound, address: "127.0.0.1:\(port)",
                                      service: service))
        }
        var config = SidecarConfiguration(version: "", listeners: listeners, services: services, splits: splits,
                                          retryPolicies: retryPolicies)
        config.faults = faults
        return config
    }

    /// The inbound side's name for the local workload; the colon keeps it apart from every DNS-label service name.
    static func localServiceName(_ service: String) -> String { "local:\(service)" }
}
