import NIOCore
import SidecarConfig
import Synchronization

extension ProxyServer {
    /// Why a patch was not applied.
    public enum PatchError: Error {
        /// The proxy runs another version than the patch's `base`: the sender must send the whole configuration.
        case conflict(running: String)
        case invalid(ConfigError)
    }

    /// Applies a `PATCH /config`: the splits and retry policies on top of the running configuration, if it is still
    /// the patch's base. What a weight change costs a proxy is the patched tables alone: only they are validated
    /// (nothing else changed, and the rest was valid when it was applied), and a splits-only patch keeps every
    /// loop's services, endpoints and host table as they are. At 100 services, validating and recompiling the
    /// whole mesh for one weight was most of a proxy's CPU per change (bench/proxy/patch-cost.sh).
    public func apply(_ patch: SidecarConfigPatch) async throws(PatchError) {
        let tables = SidecarConfiguration(
            version: patch.version, listeners: [], services: [], splits: patch.splits ?? [],
            retryPolicies: patch.retryPolicies ?? [])
        do { try tables.validate() } catch { throw .invalid(error) }
        await applyGate.acquire()
        defer { applyGate.release() }
        let current = configuration
        guard patch.applies(to: current.version) else { throw .conflict(running: current.version) }
        let new = patch.applied(to: current)
        let splitsOnly = patch.retryPolicies == nil || patch.retryPolicies == current.retryPolicies
        await withTaskGroup(of: Void.self) { tasks in
            for loop in loopList {
                tasks.addTask {
                    try? await loop.eventLoop.submit { splitsOnly ? loop.applySplits(new) : loop.apply(new) }.get()
                }
            }
        }
        state.withLock { $0.configuration = new }
    }
}
