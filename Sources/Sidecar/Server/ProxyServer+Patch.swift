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

    /// Whether a patch was applied (`done`, with why not) or will be (`pending`).
    enum PatchApplication {
        case done(PatchError?)
        case pending(EventLoopFuture<Void>)
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
    /// Done at once, on `eventLoop`, when no other change is being applied and every loop's tables are this loop's
    /// (a proxy of one event loop, what the operator starts): the admin endpoint then answers a patch with no
    /// future, task or hop. Every operator weight change or registration patches every proxy, cold, and the hops
    /// between the loop and Swift's executor (then the futures' callbacks and their generic metadata) cost a proxy
    /// more CPU than the patch itself.
    func apply(_ patch: SidecarConfigPatch, from eventLoop: any EventLoop) -> PatchApplication {
        if applyGate.tryAcquire() { return swapIn(patch, on: eventLoop) }
        return .pending(eventLoop.makeFutureWithTask {
            await self.applyGate.acquire()
            switch self.swapIn(patch, on: eventLoop) {
            case .done(nil): return
            case .done(let error?): throw error
            case .pending(let swapped): try await swapped.get()
            }
        })
    }

    /// Runs with `applyGate` held and releases it when every loop serves the patched tables (or the patch failed);
    /// a pending swap completes on `eventLoop`.
    private func swapIn(_ patch: SidecarConfigPatch, on eventLoop: any EventLoop) -> PatchApplication {
        let current = configuration
        guard patch.applies(to: current.version) else {
            applyGate.release()
            return .done(.conflict(running: current.version))
        }
        do {
            try patch.validate(against: current)
        } catch {
            applyGate.release()
            return .done(.invalid(error))
        }
        let new = patch.applied(to: current)
        let leaving = patch.endpointsLeaving(current).map { EndpointState.key(service: $0.service, address: $0.address) }
        let splitsOnly = !patch.changesServices && (patch.retryPolicies == nil || patch.retryPolicies == current.retryPolicies)
        let (upserted, removed) = splitsOnly ? ([], []) : patch.servicesToCompile(running: current, patched: new)
        var elsewhere: [EventLoopFuture<Void>] = []
        for loop in loopList {
            if loop.eventLoop.inEventLoop {
                // This loop's own tables: no hop.
                splitsOnly ? loop.applySplits(new) : loop.apply(new, upserting: upserted, removing: removed)
            } else {
                elsewhere.append(loop.eventLoop.submit {
                    splitsOnly ? loop.applySplits(new) : loop.apply(new, upserting: upserted, removing: removed)
                })
            }
        }
        // A proxy of one event loop is done here, without futures to gather.
        guard !elsewhere.isEmpty else {
            finishPatch(serving: new, leaving: leaving)
            return .done(nil)
        }
        return .pending(EventLoopFuture.andAllComplete(elsewhere, on: eventLoop).map {
            self.finishPatch(serving: new, leaving: leaving)
        })
    }

    /// Every loop swapped: the metrics of endpoints that left go, the patched configuration is the one served, and
    /// the next change may begin.
    private func finishPatch(serving new: SidecarConfiguration, leaving: [String]) {
        metrics.forgetEndpoints(leaving)
        if !leaving.isEmpty { heapTrimmer?.noteFreed() }
        state.withLock { $0.serve(new) }
        metrics.countConfigChange(.patch)
        applyGate.release()
    }
}
