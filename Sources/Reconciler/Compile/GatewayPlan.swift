/// The gateway process: Service ports and the routing listener.
public struct GatewayPlan {
    public static let slot = SlotID(service: "gateway", role: .gateway, replica: 0)

    var process: DesiredProcess
    var portKeys: Set<String>

    static func make(inputs: MeshInputs, ports: inout PortBook, isFree: (Int) -> Bool) -> GatewayPlan {
        // Only the binary is in the revision. The ports it serves (every Service's, previews, the routing port) are
        // listeners of its configuration, bound and closed in the running process by a configuration push; a new
        // binary starts a second gateway beside the first (`--reuse-port`), which drains once the new one is ready.
        let proxy = ProxyLaunch(meshctlPath: inputs.meshctlPath)
        let revision = ProxyLaunch.revision(
            dataPlane: inputs.dataPlaneVersion, ["gateway", proxy.executable] + ProxyLaunch.commonFlags(inputs, identity: "gateway"))
        let key = "\(slot)@\(revision):admin"
        let admin = ports.port(for: key, isFree: isFree)
        let process = DesiredProcess(
            slot: slot,
            argv: proxy.prefix + [
                   "--config", DesiredWorld.configPath(for: slot, in: inputs.configsDirectory),
                   "--admin", "127.0.0.1:\(admin)"] + ProxyLaunch.commonFlags(inputs, identity: "gateway"),
            revision: revision,
            ports: ["gateway": inputs.gatewayPort, "admin": admin])
        return GatewayPlan(process: process, portKeys: [key])
    }
}
