/// A process the manifests say should run, compiled down to what the runtime needs.
public struct DesiredProcess: Sendable, Hashable {
    public var slot: SlotID
    public var argv: [String]
    public var environment: [String: String]
    /// False for workloads: `environment` is all they get (`WorkloadEnvironment`). Proxies keep the operator's.
    public var inheritEnvironment: Bool = true
    /// Where the process starts; nil: the operator's directory.
    public var workingDirectory: String?
    /// A digest of everything that needs a restart to change (argv, environment, ports). Anything else — weights,
    /// retry policies, endpoints — reaches a running sidecar as a new configuration version instead.
    public var revision: String
    /// For sidecars and the gateway: the configuration version they must report before they count as converged.
    public var configVersion: String?
    /// The loopback ports the instance uses, by purpose (`port`, `inbound`, `outbound`, `admin`); recorded with the
    /// process so that the operator can reach a sidecar's admin endpoint after a restart of its own.
    public var ports: [String: Int]

    public init(slot: SlotID, argv: [String], environment: [String: String] = [:], revision: String,
                configVersion: String? = nil, ports: [String: Int] = [:]) {
        self.slot = slot
        self.argv = argv
        self.environment = environment
        self.revision = revision
        self.configVersion = configVersion
        self.ports = ports
    }
}
