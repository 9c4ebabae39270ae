import MeshStore
import ProcessRuntime
import Reconciler
import SidecarConfig

extension ReconcileLoop {
    /// Before a pass starts anything: recovers the outbound socket of every running sidecar whose socket is not held
    /// (an operator restarted under them, or the sidecar replaced its predecessor in a data-plane upgrade and bound its
    /// own), and closes the sockets of ports no sidecar wants or runs on any more.
    /// Only from a slot's single live instance: during a replacement the old one's socket is let go (below).
    func tendOutboundSockets(instances: [ObservedInstance], world: DesiredWorld) {
        var ports = Set(world.processes.filter { $0.slot.role == .sidecar }.compactMap { $0.ports["outbound"] })
        var alive = Set<String>()
        let live = instances.filter { $0.slot.role == .sidecar && $0.observed.isAlive }
        let liveBySlot = Dictionary(grouping: live, by: \.slot)
        var bindingTheirOwn: [ListenerKeeper.Listening] = []
        for instance in live {
            guard let port = instance.ports["outbound"] else { continue }
            ports.insert(port)
            alive.insert(instance.record.id)
            guard liveBySlot[instance.slot]?.count == 1 else { continue }
            if let own = outboundSockets.adopt(instance: instance.record.id, pid: instance.record.pid, port: port) {
                bindingTheirOwn.append(own)
            }
        }
        outboundSockets.adoptListening(bindingTheirOwn)
        outboundSockets.forgetAdoptions(keeping: alive)
        outboundSockets.retain(ports: ports)
    }

    /// The spec a sidecar is started with gets its slot's outbound socket as standard input, named in its
    /// environment (`InheritedListener`); without one (it could not be bound) the sidecar binds the port itself.
    ///
    /// Only when no other instance of the slot runs (a first start, a restart after a kill or crash). A replacement
    /// started beside a running sidecar (data-plane upgrade) binds a socket of its own with `--reuse-port`, which
    /// takes every new connection (`ReusePortSteering`), and the operator lets go of the kept one, which the old
    /// sidecar closes when it drains: sharing one queue, the old sidecar went on accepting new connections while it
    /// no longer received configurations, and routed them to endpoints already gone (503 connect-failure). Once the
    /// old one is gone, `tendOutboundSockets` holds a copy of the new one's socket, so its first kill refuses nothing.
    func withOutboundSocket(_ spec: ProcessSpec, for process: DesiredProcess, instances: [ObservedInstance]) -> ProcessSpec {
        guard process.slot.role == .sidecar, let port = process.ports["outbound"] else { return spec }
        if instances.contains(where: { $0.slot == process.slot && $0.observed.isAlive }) {
            outboundSockets.release(port: port)
            return spec
        }
        guard let fd = outboundSockets.socket(forPort: port) else { return spec }
        var spec = spec
        spec.listeningSocket = fd
        spec.environment[InheritedListener.environmentVariable] = "127.0.0.1:\(port)"
        return spec
    }
}
