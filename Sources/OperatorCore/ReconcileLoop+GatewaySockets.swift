import Logging
import MeshStore
import ProcessRuntime
import Reconciler
import SidecarConfig

#if canImport(Glibc)
import Glibc
#endif

extension ReconcileLoop {
    /// The gateway's listening sockets, held by the operator as the sidecars' outbound ones are (docs/operator.md,
    /// "Restarts and crashes"), so a SIGKILLed gateway leaves its ports listening: clients' connections queue until the
    /// restarted gateway accepts them, where before they were refused for the ~1-2 s of its restart.
    /// Each pass: holds a copy of every listener port the running gateway bound itself (`adoptListening`), and closes
    /// the sockets of ports the gateway no longer serves. Not while two gateways run (a new-before-old replacement).
    func tendGatewaySockets(instances: [ObservedInstance], world: DesiredWorld) {
        let ports = Self.gatewayPorts(world)
        let live = instances.filter { $0.slot.role == .gateway && $0.observed.isAlive }
        if live.count == 1, let gateway = live.first {
            gatewaySockets.adoptListening([.init(instance: gateway.record.id, pid: gateway.record.pid, ports: ports)])
        }
        gatewaySockets.forgetAdoptions(keeping: Set(live.map(\.record.id)))
        gatewaySockets.retain(ports: ports)
    }

    /// A gateway started while no other runs (first start, restart after a kill or crash) gets every one of its
    /// listener ports' sockets, passed over its standard input (`ListenerPassing`); the returned descriptor (the
    /// gateway's end) is the caller's to close once the process started. A replacement started beside a running
    /// gateway (a new binary) binds its own with `--reuse-port`, which takes every new connection, and the operator lets
    /// go of the held sockets, which the old gateway closes when it drains; the new one's are held once it runs alone.
    func withGatewaySockets(_ spec: ProcessSpec, for process: DesiredProcess, world: DesiredWorld,
                            instances: [ObservedInstance]) -> (spec: ProcessSpec, passed: Int32?) {
        guard process.slot.role == .gateway else { return (spec, nil) }
        if instances.contains(where: { $0.slot == process.slot && $0.observed.isAlive }) {
            gatewaySockets.retain(ports: [])
            return (spec, nil)
        }
        let sockets = Self.gatewayPorts(world).sorted().compactMap { gatewaySockets.socket(forPort: $0) }
        guard !sockets.isEmpty, let pair = ListenerPassing.pair() else { return (spec, nil) }
        defer { close(pair.sender) }
        guard ListenerPassing.send(sockets, on: pair.sender) else {
            logger.warning("could not pass the gateway its \(sockets.count) held sockets: it binds its ports itself")
            close(pair.receiver)
            return (spec, nil)
        }
        var spec = spec
        spec.listeningSocket = pair.receiver
        spec.environment[ListenerPassing.environmentVariable] = String(sockets.count)
        return (spec, pair.receiver)
    }

    /// The loopback ports of the gateway's listeners in the desired configuration.
    static func gatewayPorts(_ world: DesiredWorld) -> Set<Int> {
        let listeners = world.configurations[GatewayPlan.slot]?.listeners ?? []
        return Set(listeners.compactMap { HostPort(parsing: $0.address) }.filter { $0.host == "127.0.0.1" && $0.port > 0 }
            .map(\.port))
    }
}
