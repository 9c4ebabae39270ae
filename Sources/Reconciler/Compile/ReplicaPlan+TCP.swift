import Manifests

/// How a workload reaches an `appProtocol: tcp` service through its own sidecar. A byte stream names no host, so
/// the Host-routed outbound listener cannot carry it: each replica's sidecar gets one more outbound listener per tcp
/// service of the mesh, its address in the workload's environment as `MESH_TCP_<NAME>` (`db-main` →
/// `MESH_TCP_DB_MAIN=127.0.0.1:PORT`). Like `MESH_OUTBOUND`, the port belongs to the replica slot, so a replaced
/// sidecar binds the same one.
extension ReplicaPlan {
    /// One tcp service's listener in a replica's sidecar.
    struct TCPOutbound: Equatable {
        var service: String
        var port: Int
        /// Its key in the port book.
        var key: String
    }

    /// The tcp services' ports for the sidecar of `slot`, by service name: those it declares in `upstreams`, or
    /// every one when it declares none.
    static func tcpOutbounds(for slot: SlotID, upstreams: [String]?, inputs: MeshInputs, ports: inout PortBook,
                             isFree: (Int) -> Bool) -> [TCPOutbound]
    {
        inputs.services.filter { $0.spec.appProtocol == .tcp && upstreams?.contains($0.metadata.name) != false }
            .map(\.metadata.name).sorted().map { name in
            let key = "\(slot):tcp:\(name)"
            return TCPOutbound(service: name, port: ports.port(for: key, isFree: isFree), key: key)
        }
    }

    /// `MESH_TCP_` and the service name in capitals, `-` as `_`.
    static func environmentName(forTCPService name: String) -> String {
        "MESH_TCP_" + String(name.uppercased().map { $0 == "-" ? "_" : $0 })
    }
}
