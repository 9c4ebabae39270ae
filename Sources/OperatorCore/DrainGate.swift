/// When a draining instance may be stopped (a removed replica's sidecar drained, then its workload sent SIGTERM):
/// once no proxy that may still route to it runs an older configuration than the one without it, and `drainDelay`
/// has passed for the requests already on their way; or once `maxDrain` has passed, whatever the proxies say.
///
/// Only proxies that may route to the instance's service hold it back: those whose desired or last-known running
/// configuration carries the service (with `spec.upstreams` most sidecars carry a few services), or whose running
/// configuration is unknown. A proxy that does not answer (not ready) routes nothing it could be asked about, as in
/// `SplitConfirmation`.
enum DrainGate {
    /// One proxy as the pass observed it.
    struct Proxy: Sendable {
        var ready: Bool
        /// It runs its desired configuration (its answer to a push, or the version it reports).
        var current: Bool
        /// The services its desired and its last-known running configuration carry; nil when the running one is
        /// unknown (then it may route anywhere).
        var services: Set<String>?
    }

    /// Whether some proxy may still send `service` requests to the draining instance.
    static func heldBack(service: String, by proxies: [Proxy]) -> Bool {
        proxies.contains { $0.ready && !$0.current && ($0.services?.contains(service) ?? true) }
    }

    /// Whether an instance draining for `waited` seconds is stopped now.
    static func isDue(waited: Double, heldBack: Bool, drainDelay: Double, maxDrain: Double) -> Bool {
        (!heldBack && waited >= drainDelay) || waited >= maxDrain
    }
}
