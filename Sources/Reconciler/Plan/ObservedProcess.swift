/// A process instance as the operator last saw it: from its durable record, `/proc`, and (for sidecars) the admin
/// endpoint. Nothing here is what the operator intended; all of it was looked at.
public struct ObservedProcess: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        /// Alive, but not (yet) answering its readiness check.
        case starting
        /// Alive and ready to take traffic.
        case ready
        /// Asked to drain; finishing what it has in flight.
        case draining
        /// Ended on its own; `status` is the exit code, or 128 + signal number.
        case exited(status: Int32)
    }

    public var slot: SlotID
    /// Unique per instance (the store's record id), so two instances of one slot can be told apart.
    public var instance: String
    public var revision: String
    public var state: State
    /// The configuration version a sidecar reports; nil for workloads or when it did not answer.
    public var configVersion: String?
    /// After a crash: no new instance before this time (capped exponential backoff), in seconds on the planner's clock.
    public var restartNotBefore: Double?
    /// It binds fixed ports its replacement needs and cannot share them (a gateway started before proxies bound
    /// with `SO_REUSEPORT`): it must be gone before the new instance starts.
    public var holdsPortsExclusively = false

    public init(slot: SlotID, instance: String, revision: String, state: State, configVersion: String? = nil,
                restartNotBefore: Double? = nil) {
        self.slot = slot
        self.instance = instance
        self.revision = revision
        self.state = state
        self.configVersion = configVersion
        self.restartNotBefore = restartNotBefore
    }

    public var isAlive: Bool {
        switch state {
        case .starting, .ready, .draining: return true
        case .exited: return false
        }
    }
}
