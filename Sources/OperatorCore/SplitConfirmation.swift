import Reconciler
import SidecarConfig

/// Whether a TrafficSplit's new weights are in force: what a rollout waits for before it counts a step's traffic.
///
/// Only the proxies whose configuration carries the split are asked, and of those only the ones that answer (ready,
/// not draining): each must run the split exactly as desired. A proxy that does not answer — starting, stopped,
/// hung — routes nothing it could be asked about; it gets the current configuration when it starts or answers
/// again. So one stuck proxy holds back only what it carries, never every rollout in the mesh until its deadline.
enum SplitConfirmation {
    /// One proxy instance as observed, with the configuration it is known to run (nil when unknown).
    struct Proxy: Sendable {
        var slot: SlotID
        var answering: Bool
        var running: SidecarConfiguration?
    }

    /// - Parameters:
    ///   - split: the TrafficSplit's name.
    ///   - desired: every proxy slot's desired configuration (the last compile, which carried the weights).
    ///   - proxies: every live proxy instance.
    static func confirmed(split: String, desired: [SlotID: SidecarConfiguration], proxies: [Proxy]) -> Bool {
        var carriers = 0
        for proxy in proxies where proxy.answering {
            guard let want = desired[proxy.slot]?.splits.first(where: { $0.name == split }) else { continue }
            carriers += 1
            guard proxy.running?.splits.first(where: { $0.name == split }) == want else { return false }
        }
        // Nobody answering carries it yet (everything starting): nothing has confirmed anything.
        let anyCarrier = desired.values.contains { $0.splits.contains { $0.name == split } }
        return carriers > 0 || !anyCarrier
    }
}
