import Foundation
import Manifests
import SidecarConfig

/// Compiles the applied manifests into the desired world: which processes run on which ports, and the configuration
/// every sidecar and the gateway must serve. Pure apart from `isFree`, which the caller answers from the OS.
///
/// The topology on one machine:
/// - each replica of a service with a `command` is two processes: the workload (its port in `PORT`) and a sidecar
///   with an inbound listener (in front of that workload) and an outbound listener (the workload's calls out, routed
///   by Host header; its address is in `MESH_OUTBOUND`);
/// - one gateway process serves every Service's `port` (like a ClusterIP) and a routing listener on `gatewayPort`
///   (by Host = service name), applying splits and retry policies;
/// - a service's endpoints are the inbound listeners of its replicas whose sidecar and workload were observed ready.
public enum MeshCompiler {
    /// `memo` keeps the JSON behind versions from one compile to the next, `plans` the replicas' and gateway's plans
    /// and the tables for a change of routing alone (the operator passes one of each per loop). With or without
    /// them the world is the same; they only skip work whose result is known.
    public static func compile(_ inputs: MeshInputs, ports: inout PortBook, isFree: (Int) -> Bool,
                               memo: EncodingMemo = EncodingMemo(), plans: PlanMemo? = nil) -> DesiredWorld {
        var planned: PlanMemo.Planned
        var reweighed: DesiredWorld?
        if let reused = plans?.reusable(for: inputs, ports: ports) {
            planned = reused
            planned.mesh.route(inputs)
            if planned.mesh.differsInWeightsAlone(from: reused.mesh) { reweighed = reused.world }
        } else {
            planned = plan(inputs, ports: &ports, isFree: isFree)
        }
        return assembleAndRemember(&planned, memo: memo, plans: plans, reweighing: reweighed)
    }

    /// The last compile (`plans`) again with `splits` in place of the TrafficSplits of the same names, when they
    /// differ from those in weights alone: its inputs so changed and their world, each configuration the last one with
    /// its splits replaced (`assemble`, `reweighing`). Nothing else is looked at again — the inputs are the last
    /// compile's but for those weights, so its plans, ports and tables hold — which makes it the cheapest way from a
    /// stored weight to the proxies (the operator's `ReconcileLoop+Weights.swift`). Nil otherwise.
    public static func reweigh(_ splits: [TrafficSplit], memo: EncodingMemo, plans: PlanMemo)
        -> (inputs: MeshInputs, world: DesiredWorld)?
    {
        guard var planned = plans.lastPlanned, let last = planned.world else { return nil }
        var inputs = planned.mesh.inputs
        for split in splits {
            guard let index = inputs.splits.firstIndex(where: { $0.metadata.name == split.metadata.name }) else {
                return nil
            }
            inputs.splits[index] = split
        }
        let before = planned.mesh
        planned.mesh.route(inputs)
        guard planned.mesh.differsInWeightsAlone(from: before) else { return nil }
        return (inputs, assembleAndRemember(&planned, memo: memo, plans: plans, reweighing: last))
    }

    /// `assemble`, then the memos told what this compile used, and its plans with their world kept for the next.
    private static func assembleAndRemember(_ planned: inout PlanMemo.Planned, memo: EncodingMemo, plans: PlanMemo?,
                                            reweighing: DesiredWorld?) -> DesiredWorld {
        let world = assemble(planned, memo: memo, tables: plans?.serviceTables, reweighing: reweighing)
        memo.sweep()
        // A reweighed world built no service table: the ones kept are still every sidecar's.
        if reweighing == nil { plans?.serviceTables.sweep() }
        planned.world = world
        plans?.remember(planned)
        return world
    }

    /// Every replica's and the gateway's processes and ports, and the mesh tables made from them.
    private static func plan(_ inputs: MeshInputs, ports: inout PortBook, isFree: (Int) -> Bool) -> PlanMemo.Planned {
        var replicas: [ReplicaPlan] = []
        var graces: [String: Duration] = [:]
        var portKeys = Set<String>()
        for service in inputs.services {
            guard let command = inputs.commandOverrides[service.metadata.name] ?? service.spec.workload.commandValue else {
                continue
            }
            graces[service.metadata.name] = service.spec.workload.commandValue?.terminationGracePeriod
            for replica in 0..<command.replicas {
                let plan = ReplicaPlan.make(service: service, command: command, replica: replica, inputs: inputs,
                                            ports: &ports, isFree: isFree)
                replicas.append(plan)
                portKeys.formUnion(plan.portKeys)
            }
        }
        let mesh = MeshTables(inputs: inputs, replicas: replicas)
        // No services, no gateway: a proxy with nothing to route would only fail its configuration check.
        let gateway = inputs.services.isEmpty ? nil : GatewayPlan.make(inputs: inputs, ports: &ports, isFree: isFree)
        portKeys.formUnion(gateway?.portKeys ?? [])
        let book = ports
        return PlanMemo.Planned(rest: inputs.withoutRouting, replicas: replicas, gateway: gateway, mesh: mesh,
                                terminationGracePeriods: graces, portKeys: portKeys,
                                ports: portKeys.map { ($0, book.assignments[$0]) })
    }

    /// The desired world of `planned`: its processes, and every proxy's configuration built from its tables.
    /// `reweighing`: the last world, when the tables differ from its own in split weights alone: each proxy then
    /// carries the same splits (a split's root and services decide who carries it, never its weights), so its
    /// configuration is the last one with the new splits; only the versions are worked out again. At 100 services
    /// x 2 building 201 configurations was most of a weight change's compile.
    private static func assemble(_ planned: PlanMemo.Planned, memo: EncodingMemo, tables: ServiceTableMemo?,
                                 reweighing: DesiredWorld? = nil) -> DesiredWorld {
        let mesh = planned.mesh
        let inputs = mesh.inputs
        var world = DesiredWorld(portKeys: planned.portKeys)
        world.terminationGracePeriods = planned.terminationGracePeriods
        // Every proxy carries the same mesh tables; digest them once per pass, not once per proxy.
        var sharedParts = [memo.json("services", mesh.services), memo.json("splits", mesh.splits),
                           memo.json("retryPolicies", mesh.retryPolicies)]
        // Only when there are faults: a mesh without them keeps the versions it had (no push to every proxy).
        if !mesh.faults.isEmpty { sharedParts.append(memo.json("faults", mesh.faults)) }
        let shared = PortBook.digest(sharedParts)
        // Sidecars of Services that declare `upstreams` carry a part of the tables: one digest per distinct part.
        var scopedDigests: [[String]: String] = [:]
        for plan in planned.replicas {
            world.processes.append(plan.workload)
            let scope = mesh.scope(declaring: plan.service.spec.upstreams)
            var config: SidecarConfiguration
            if let last = reweighing?.configurations[plan.sidecar.slot] {
                config = last
                config.splits = scope.splits
            } else {
                config = mesh.sidecarConfiguration(for: plan, scope: scope, tables: tables)
                config.accessLog = Self.accessLog(for: plan.sidecar.slot, inputs: inputs)
            }
            var digest = shared
            if let declared = scope.declared {
                digest = scopedDigests[declared] ?? Self.digest(of: scope, memo: memo)
                scopedDigests[declared] = digest
            }
            config.version = Self.version(of: config, slot: plan.sidecar.slot, sharedDigest: digest,
                                          meshServiceCount: scope.services.count, memo: memo)
            var sidecar = plan.sidecar
            sidecar.configVersion = config.version
            world.processes.append(sidecar)
            world.configurations[sidecar.slot] = config
        }
        guard var gateway = planned.gateway else { return world }
        var gatewayConfig: SidecarConfiguration
        if let last = reweighing?.configurations[gateway.process.slot] {
            gatewayConfig = last
            gatewayConfig.splits = mesh.splits
        } else {
            gatewayConfig = mesh.gatewayConfiguration(for: gateway)
            gatewayConfig.accessLog = Self.accessLog(for: gateway.process.slot, inputs: inputs)
        }
        gatewayConfig.version = Self.version(of: gatewayConfig, slot: gateway.process.slot, sharedDigest: shared,
                                             meshServiceCount: mesh.services.count, memo: memo)
        gateway.process.configVersion = gatewayConfig.version
        world.processes.append(gateway.process)
        world.configurations[gateway.process.slot] = gatewayConfig
        return world
    }

    /// The digest of a declared scope's tables, as `shared` is of the whole mesh's (faults only when there are some).
    private static func digest(of scope: MeshScope, memo: EncodingMemo) -> String {
        let key = "scope:" + (scope.declared ?? []).joined(separator: ",") + ":"
        var parts = [memo.json(key + "services", scope.services), memo.json(key + "splits", scope.splits),
                     memo.json(key + "retryPolicies", scope.retryPolicies)]
        if !scope.faults.isEmpty { parts.append(memo.json(key + "faults", scope.faults)) }
        return PortBook.digest(["scoped"] + parts)
    }

    /// The name a sidecar's inbound side gives its own workload (`local:web`); metrics carry it as their service label.
    public static func localServiceName(_ service: String) -> String { MeshTables.localServiceName(service) }

    /// A configuration's version is a digest of its content, so an unchanged mesh yields an unchanged version and
    /// nothing is pushed. The shared tables (the first `meshServiceCount` services, splits, retry policies) enter as
    /// their digest; the proxy's own part (listeners, its local service, timeouts) is encoded here.
    /// At most one encoding per proxy, and none while its own part is unchanged (`EncodingMemo`).
    static func version(of configuration: SidecarConfiguration, slot: SlotID, sharedDigest: String,
                        meshServiceCount: Int, memo: EncodingMemo) -> String {
        let own = OwnPart(
            listeners: configuration.listeners, services: Array(configuration.services.dropFirst(meshServiceCount)),
            defaultRequestTimeout: configuration.defaultRequestTimeout, accessLog: configuration.accessLog)
        return "cfg-" + PortBook.digest([sharedDigest, memo.json("own:\(slot)", own)])
    }

    /// What one proxy's configuration holds beyond the shared tables.
    private struct OwnPart: Encodable, Hashable, Sendable {
        let listeners: [Listener]
        let services: [ServiceConfig]
        let defaultRequestTimeout: Duration?
        let accessLog: AccessLogConfig?
    }

    /// Every proxy the operator runs logs its requests into the logs folder, named after its slot.
    private static func accessLog(for slot: SlotID, inputs: MeshInputs) -> AccessLogConfig? {
        inputs.logsDirectory.map { AccessLogConfig(path: DesiredWorld.accessLogPath(for: slot, in: $0), proxy: slot.description) }
    }
}
