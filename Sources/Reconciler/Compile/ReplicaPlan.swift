import Manifests

/// One replica of a service: its workload process and its sidecar process, with their ports.
struct ReplicaPlan {
    var service: Service
    var workload: DesiredProcess
    var sidecar: DesiredProcess
    var inboundPort: Int
    var outboundPort: Int
    var portKeys: Set<String>
    /// One outbound listener per `appProtocol: tcp` service (ReplicaPlan+TCP.swift).
    var tcpOutbounds: [TCPOutbound] = []

    static func make(service: Service, command: Service.Command, replica: Int, inputs: MeshInputs,
                     ports: inout PortBook, isFree: (Int) -> Bool) -> ReplicaPlan {
        let name = service.metadata.name
        let workloadSlot = SlotID(service: name, role: .workload, replica: replica)
        let sidecarSlot = SlotID(service: name, role: .sidecar, replica: replica)

        // The sidecar's revision does not depend on the workload's: a new workload version is a configuration
        // change for the sidecar (its local endpoint moves), not a restart. A new data plane (another `mesh-proxy`)
        // is a new revision: the replacement starts beside the old sidecar, on inbound and admin ports of its own.
        let proxy = ProxyLaunch(meshctlPath: inputs.meshctlPath)
        let sidecarRevision = ProxyLaunch.revision(
            dataPlane: inputs.dataPlaneVersion, ["sidecar", proxy.executable, "inbound", "outbound"] + ProxyLaunch.commonFlags(inputs, identity: name))
        let sidecarKey = "\(sidecarSlot)@\(sidecarRevision)"
        let inbound = ports.port(for: sidecarKey + ":inbound", isFree: isFree)
        let admin = ports.port(for: sidecarKey + ":admin", isFree: isFree)
        // The outbound port belongs to the replica slot, not to a sidecar instance: the workload's `MESH_OUTBOUND`
        // outlives its sidecar. During a replacement both sidecars bind it (`--reuse-port`) and new connections go
        // to the newest (docs/sidecar.md, "Listener").
        let outboundKey = "\(sidecarSlot):outbound"
        let outbound = ports.port(for: outboundKey, isFree: isFree)
        let tcpOutbounds = tcpOutbounds(for: sidecarSlot, upstreams: service.spec.upstreams, inputs: inputs,
                                        ports: &ports, isFree: isFree)
        let sidecar = DesiredProcess(
            slot: sidecarSlot,
            argv: proxy.prefix + [
                   "--config", DesiredWorld.configPath(for: sidecarSlot, in: inputs.configsDirectory),
                   "--admin", "127.0.0.1:\(admin)"] + ProxyLaunch.commonFlags(inputs, identity: name),
            revision: sidecarRevision,
            ports: ["inbound": inbound, "outbound": outbound, "admin": admin])

        var argv = command.argv
        if argv.first == "meshctl" { argv[0] = inputs.meshctlPath }  // the demo app is built into this binary
        let userEnvironment = command.env.sorted { $0.key < $1.key }.flatMap { [$0.key, $0.value] }
        // The revision digests what is written (before `$(VAR)` expansion: `PORT` is picked by the revision). The
        // outbound address is in the workload's environment, so it is in the revision too (it only moves when a
        // state directory from before slot-owned outbound ports is upgraded: then the workload restarts once).
        // So are its tcp services' addresses (absent without any: revisions from before them are unchanged).
        // `WorkloadEnvironment.model` moves when the variables every workload gets change, restarting each once.
        let workloadRevision = PortBook.digest(["workload"] + argv + ["env"] + userEnvironment
                                               + ["outbound", String(outbound)]
                                               + tcpOutbounds.flatMap { ["tcp", $0.service, String($0.port)] }
                                               + (command.workingDir.map { ["workingDir", $0] } ?? [])
                                               + ["model", WorkloadEnvironment.model])
        let workloadKey = "\(workloadSlot)@\(workloadRevision):port"
        let port = ports.port(for: workloadKey, isFree: isFree)
        var meshVariables = ["PORT": String(port), "MESH_SERVICE": name, "MESH_REPLICA": String(replica),
                             "MESH_OUTBOUND": "127.0.0.1:\(outbound)"]
        for tcp in tcpOutbounds { meshVariables[environmentName(forTCPService: tcp.service)] = "127.0.0.1:\(tcp.port)" }
        let environment = WorkloadEnvironment(
            base: inputs.workloadBaseEnvironment,
            proxyDefaults: WorkloadEnvironment.proxyVariables(outbound: "127.0.0.1:\(outbound)"), serviceEnv: command.env,
            mesh: meshVariables)
        var workload = DesiredProcess(slot: workloadSlot, argv: environment.expand(argv),
                                      environment: environment.variables,
                                      revision: workloadRevision, ports: ["port": port])
        workload.inheritEnvironment = false
        workload.workingDirectory = command.workingDir
        return ReplicaPlan(
            service: service, workload: workload, sidecar: sidecar, inboundPort: inbound, outboundPort: outbound,
            portKeys: Set([sidecarKey + ":inbound", outboundKey, sidecarKey + ":admin", workloadKey] + tcpOutbounds.map(\.key)),
            tcpOutbounds: tcpOutbounds)
    }
}
