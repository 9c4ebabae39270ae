import MeshStore
import ProcessRuntime
import Reconciler
import SidecarConfig

extension ReconcileLoop {
    /// Before a pass starts anything: recovers the outbound socket of every running sidecar whose socket is not held
    /// (an operator restarted under them), and closes the sockets of ports no sidecar wants or runs on any more.
    func tendOutboundSockets(instances: [ObservedInstance], world: DesiredWorld) {
        var ports = Set(world.processes.filter { $0.slot.role == .sidecar }.compactMap { $0.ports["outbound"] })
        var alive = Set<String>()
        for instance in instances where instance.slot.role == .sidecar && instance.observed.isAlive {
            guard let port = instance.ports["outbound"] else { continue }
            ports.insert(port)
            alive.insert(instance.record.id)
            outboundSockets.adopt(instance: instance.record.id, pid: instance.record.pid, port: port)
        }
        outboundSockets.forgetAdoptions(keeping: alive)
        outboundSockets.retain(ports: ports)
    }

    /// The spec a sidecar is started with gets its slot's outbound socket as standard input, named in its
    /// environment (`InheritedListener`); without one (it could not be bound) the sidecar binds the port itself.
    func withOutboundSocket(_ spec: ProcessSpec, for process: DesiredProcess) -> ProcessSpec {
        guard process.slot.role == .sidecar, let port = process.ports["outbound"],
              let fd = outboundSockets.socket(forPort: port) else { return spec }
        var spec = spec
        spec.listeningSocket = fd
        spec.environment[InheritedListener.environmentVariable] = "127.0.0.1:\(port)"
        return spec
    }
}
