import Synchronization

/// What the last compile planned before it built each proxy's configuration: the replicas' and the gateway's
/// processes and ports, and the mesh tables. A change of routing alone (a weight, a split's backends, a route group,
/// what a rollout holds in a split) plans the same processes and tables but its splits: the next compile then takes
/// the plans from here, moves the tables to the new routing (`MeshTables.route`) and builds every configuration from
/// them as a full compile does. At 100 services × 2 that skips planning 200 replicas (revisions, environments, port
/// keys) and the service tables on every weight change. Anything else that changed (a Service, an endpoint, a
/// readiness, a port the book no longer holds) is a full compile.
/// One memo lives as long as the operator's loop, beside its `EncodingMemo`.
public final class PlanMemo: Sendable {
    struct Planned: @unchecked Sendable {  // plans and tables of Sendable values; only read under the lock
        var rest: MeshInputs
        var replicas: [ReplicaPlan]
        var gateway: GatewayPlan?
        var mesh: MeshTables
        var terminationGracePeriods: [String: Duration]
        var portKeys: Set<String>
        /// Every port key the plans hold and the port the book gave it (nil: none was free, so the next compile
        /// tries again and these plans are not reused): the book must still give each the same one.
        var ports: [(key: String, port: Int?)]
        /// The world assembled from these plans: a change of split weights alone takes each configuration from it
        /// with its splits replaced (`MeshCompiler.assemble`).
        var world: DesiredWorld? = nil
    }

    private let last = Mutex<Planned?>(nil)
    /// Each sidecar's service table, kept across compiles while its plan is reused.
    let serviceTables = ServiceTableMemo()

    public init() {}

    /// The last plans, if `inputs` differ from theirs in routing alone and `ports` still hold every port they use.
    func reusable(for inputs: MeshInputs, ports: PortBook) -> Planned? {
        guard let planned = last.withLock({ $0 }), planned.rest == inputs.withoutRouting,
              planned.ports.allSatisfy({ $0.port != nil && ports.assignments[$0.key] == $0.port }) else { return nil }
        return planned
    }

    /// The last compile's plans, whatever its inputs.
    var lastPlanned: Planned? { last.withLock { $0 } }

    func remember(_ planned: Planned) {
        last.withLock { $0 = planned }
    }
}
