import Foundation
import Manifests
import SidecarConfig

/// Everything the compiler reads: the applied objects, what the operator observed about readiness (which decides
/// the endpoints every proxy is told about), and where things live on this machine.
public struct MeshInputs: Sendable {
    public var services: [Service]
    public var splits: [TrafficSplit]
    public var routeGroups: [HTTPRouteGroup]
    public var retryPolicies: [RetryPolicy]
    /// Injected faults, by name; expired ones are deleted by the operator (and skipped here meanwhile).
    public var faultInjections: [FaultInjection] = []
    /// Gateway API HTTPRoutes (mesh use), compiled into splits of their parent Services.
    public var httpRoutes: [HTTPRoute] = []
    /// Each HTTPRoute's creation time in the store, by name: of two routes of one parent whose matches tie, the
    /// older one's rule wins (Gateway API). Unknown ones count as newest, then by name.
    public var httpRouteCreatedAt: [String: Date] = [:]
    /// Gateway API Gateways: ports of the gateway process where HTTPRoutes attached to them route by Host.
    public var gateways: [Gateway] = []
    /// RateLimits by name, which HTTPRoute rules name in an ExtensionRef filter.
    public var rateLimits: [String: Service.RateLimit] = [:]
    /// AuthorizationPolicies, enforced by the inbound sidecars of their target Service's replicas.
    public var authorizationPolicies: [AuthorizationPolicy] = []
    /// The `meshctl` binary that runs sidecars, the gateway and `meshctl demo-app` workloads.
    public var meshctlPath: String
    /// Where sidecar configuration files are written.
    public var configsDirectory: String
    /// The gateway's routing listener (by Host and path), on 127.0.0.1.
    public var gatewayPort: Int
    /// Where every sidecar and the gateway write their access logs (`DesiredWorld.accessLogPath`); nil for none.
    public var logsDirectory: String? = nil
    /// The proxies' admin secret (`--admin-token-file`); nil starts them without one (their admin then refuses
    /// every change).
    public var adminTokenPath: String? = nil
    /// Endpoints registered from outside the operator (self-registration), by service: `host:port`, sorted.
    public var registeredEndpoints: [String: [String]] = [:]
    /// The operator's variables every workload keeps (`WorkloadEnvironment.base(from:)`).
    public var workloadBaseEnvironment: [String: String] = WorkloadEnvironment.base(from: [:])
    /// The operator's API socket, where proxies send their CSRs; nil: proxies run without identity, plaintext.
    public var identitySocket: String? = nil
    /// Workload instances observed ready, by slot: their ports. Only these are endpoints.
    public var readyWorkloadPorts: [SlotID: [Int]]
    /// Inbound ports of sidecar instances observed ready (admin answering, not draining), by slot: these, in front of
    /// a ready workload, are a service's endpoints. Two in one slot while a new sidecar replaces the old one.
    public var readyInboundPorts: [SlotID: [Int]]
    /// The content hash of the proxy executable (`ProxyLaunch.executable`): part of every proxy's revision, so a
    /// new `mesh-proxy` replaces sidecars and the gateway. Nil when it could not be read.
    public var dataPlaneVersion: String? = nil
    /// Weights a rollout holds a split at, by split name then backend service; they win over the manifest's.
    public var weightOverrides: [String: [String: Int]]
    /// Workloads a rollout promoted into a service, by service name; they win over the manifest's command.
    public var commandOverrides: [String: Service.Command]
    /// Routes a rollout pins in a split before its weights (blue-green's preview header), by split name.
    public var pinnedRoutes: [String: [PinnedRoute]] = [:]
    /// Routes a rollout mirrors to its new side (Argo's `setMirrorRoute`), by split name.
    public var mirrorRoutes: [String: [MirrorRoute]] = [:]
    /// A canary's session affinity while it takes part of the traffic, by split name.
    public var sessionAffinities: [String: SplitSessionAffinity] = [:]
    /// Blue-green preview ports: the gateway listens on each and sends everything to the service (from the
    /// Rollouts' specs, so the gateway's listeners only change when a spec does).
    public var previewPorts: [Int: String] = [:]

    public init(
        services: [Service], splits: [TrafficSplit] = [], routeGroups: [HTTPRouteGroup] = [],
        retryPolicies: [RetryPolicy] = [], meshctlPath: String, configsDirectory: String, gatewayPort: Int,
        readyWorkloadPorts: [SlotID: [Int]] = [:], readyInboundPorts: [SlotID: [Int]] = [:],
        weightOverrides: [String: [String: Int]] = [:], commandOverrides: [String: Service.Command] = [:]
    ) {
        self.services = services
        self.splits = splits
        self.routeGroups = routeGroups
        self.retryPolicies = retryPolicies
        self.meshctlPath = meshctlPath
        self.configsDirectory = configsDirectory
        self.gatewayPort = gatewayPort
        self.readyWorkloadPorts = readyWorkloadPorts
        self.readyInboundPorts = readyInboundPorts
        self.weightOverrides = weightOverrides
        self.commandOverrides = commandOverrides
    }

    /// Sorts validated manifest objects into the compiler's inputs.
    public init(objects: [ManifestObject], meshctlPath: String, configsDirectory: String, gatewayPort: Int) {
        self.init(services: [], meshctlPath: meshctlPath, configsDirectory: configsDirectory, gatewayPort: gatewayPort)
        for object in objects {
            switch object {
            case .service(let service): services.append(service)
            case .trafficSplit(let split): splits.append(split)
            case .httpRouteGroup(let group): routeGroups.append(group)
            case .retryPolicy(let policy): retryPolicies.append(policy)
            case .faultInjection(let fault): faultInjections.append(fault)
            case .httpRoute(let route): httpRoutes.append(route)
            case .authorizationPolicy(let policy): authorizationPolicies.append(policy)
            case .gateway(let gateway): gateways.append(gateway)
            case .gatewayClass: break
            case .rateLimit(let limit): rateLimits[limit.metadata.name] = limit.spec
            case .rollout(let rollout):
                if let preview = PreviewRouting.previewPort(for: rollout.spec) {
                    previewPorts[preview.port] = preview.service
                }
            }
        }
        services.sort { $0.metadata.name < $1.metadata.name }
        splits.sort { $0.metadata.name < $1.metadata.name }
        routeGroups.sort { $0.metadata.name < $1.metadata.name }
        retryPolicies.sort { $0.metadata.name < $1.metadata.name }
        faultInjections.sort { $0.metadata.name < $1.metadata.name }
        httpRoutes.sort { $0.metadata.name < $1.metadata.name }
        gateways.sort { $0.metadata.name < $1.metadata.name }
        authorizationPolicies.sort { $0.metadata.name < $1.metadata.name }
    }
}

extension MeshInputs: Equatable {
    /// The inputs without their routing: the TrafficSplits, HTTPRouteGroups and what rollouts hold in splits
    /// (weights, pinned and mirror routes, session affinity). Those reach only the splits and the authorizations
    /// that follow them (`MeshTables.route`); two inputs equal here plan the same processes, ports and tables.
    var withoutRouting: MeshInputs {
        var rest = self
        rest.splits = []
        rest.routeGroups = []
        rest.weightOverrides = [:]
        rest.pinnedRoutes = [:]
        rest.mirrorRoutes = [:]
        rest.sessionAffinities = [:]
        return rest
    }
}
