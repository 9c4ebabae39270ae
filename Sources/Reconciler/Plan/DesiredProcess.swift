/// A process the manifests say should run, compiled down to what the runtime needs.
public struct DesiredProcess: Sendable, Hashable {
    public var slot: SlotID
    public var argv: [String]
    public var environment: [String: String]
    /// A digest of everything that needs a restart to change (argv, environment, ports). Anything else — weights,
    /// retry policies, endpoints — reaches a running sidecar as a new configuration version instead.
    public var revision: String
    /// For sidecars and the gateway: the configuration version they must report before they count as converged.
    public var configVersion: String?

    public init(slot: SlotID, argv: [String], environment: [String: String] = [:], revision: String,
                configVersion: String? = nil) {
        self.slot = slot
        self.argv = argv
        self.environment = environment
        self.revision = revision
        self.configVersion = configVersion
    }
}
