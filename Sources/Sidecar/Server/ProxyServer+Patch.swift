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

    /// Applies a `PATCH /config`: the splits, retry policies and changed services on top of the running
    /// configuration, if it is still the patch's base. What a change costs a proxy is the patched tables alone: only
    /// they are validated (nothing else changed, and the rest was valid when it was applied), a splits-only patch
    /// keeps every loop's services, endpoints and host table as they are, and a services patch looks at and
    /// recompiles only the services it names (`LoopContext+Patch.swift`: every other one, its endpoints, pool and host
    /// entries are kept without being walked). At 100 services, validating and
    /// recompiling the whole mesh for one weight was most of a proxy's CPU per change (bench/proxy/patch-cost.sh).
    ///
    /// A services patch swaps exactly as `PUT /config` does: requests in flight finish on the services they hold,
    /// endpoints that left close their idle connections, stop their health checks and take their metric series out.
    ///
    /// Completed on `eventLoop`: the admin endpoint answers a patch without leaving its event loop when no other
    /// change is being applied. Every operator weight change or registration patches every proxy, and the hops
    /// between the loop and Swift's executor cost a proxy more CPU than the patch itself.
    func apply(_ patch: SidecarConfigPatch, from eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        if applyGate.tryAcquire() { return swapIn(patch, on: eventLoop) }
        return eventLoop.makeFutureWithTask {
            await self.applyGate.acquire()
            try await self.swapIn(patch, on: eventLoop).get()
        }
    }

    /// Runs with `applyGate` held and releases it when every loop serves the patched tables (or the patch failed).
    private func swapIn(_ patch: SidecarConfigPatch, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let current = configuration
        guard patch.applies(to: current.version) else {
            applyGate.release()
            return eventLoop.makeFailedFuture(PatchError.conflict(running: current.version))
        }
        do {
            try patch.validate(against: current)
        } catch {
            applyGate.release()
            return eventLoop.makeFailedFuture(PatchError.invalid(error))
        }
        let new = patch.applied(to: current)
        let leaving = patch.endpointsLeaving(current).map { EndpointState.key(service: $0.service, address: $0.address) }
        let splitsOnly = !patch.changesServices && (patch.retryPolicies == nil || patch.retryPolicies == current.retryPolicies)
        let (upserted, removed) = splitsOnly ? ([], []) : patch.servicesToCompile(running: current, patched: new)
        let finish: @Sendable () -> Void = {
            self.metrics.forgetEndpoints(leaving)
            if !leaving.isEmpty { self.heapTrimmer?.noteFreed() }
            self.state.withLock { $0.serve(new) }
            self.metrics.countConfigChange(.patch)
            self.applyGate.release()
        }
        var elsewhere: [EventLoopFuture<Void>] = []
        for loop in loopList {
            let swap: @Sendable () -> Void = {
                splitsOnly ? loop.applySplits(new) : loop.apply(new, upserting: upserted, removing: removed)
            }
            if loop.eventLoop.inEventLoop {
                swap()  // this loop's own tables: no hop
            } else {
                elsewhere.append(loop.eventLoop.submit(swap))
            }
        }
        // A proxy of one event loop (what the operator starts) is done here, without futures to gather.
        guard !elsewhere.isEmpty else {
            finish()
            return eventLoop.makeSucceededVoidFuture()
        }
        return EventLoopFuture.andAllComplete(elsewhere, on: eventLoop).map(finish)
    }
}
