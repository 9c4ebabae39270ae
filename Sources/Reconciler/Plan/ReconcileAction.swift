/// One step the executor takes. Every action is idempotent: doing it twice, or after the world already changed,
/// leaves the world as doing it once would.
public enum ReconcileAction: Sendable, Hashable {
    /// Start a new instance in the slot.
    case start(DesiredProcess)
    /// Drain, then stop, one instance.
    case stop(slot: SlotID, instance: String, reason: StopReason)
    /// Send the slot's sidecar its configuration (it is running the desired revision, but reports another version).
    case configure(slot: SlotID, instance: String, version: String)
    /// Drop the record of an instance that has exited and will not be restarted in place.
    case forget(slot: SlotID, instance: String)
    /// Nothing to do now for this slot; look again after this many seconds (backoff, or waiting for readiness).
    case requeue(slot: SlotID, after: Double, reason: RequeueReason)

    public enum StopReason: String, Sendable, Hashable {
        /// The slot is no longer desired.
        case removed
        /// A new revision is ready in the slot.
        case replaced
    }

    public enum RequeueReason: String, Sendable, Hashable {
        /// A crashed process waits out its restart backoff.
        case crashLoopBackOff
        /// Another slot of the same group is being replaced; one at a time.
        case rollingOneAtATime
    }
}
