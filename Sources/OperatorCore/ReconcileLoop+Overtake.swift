import MeshStore

/// A change overtakes a full pass's probes.
///
/// A full pass first looks at every recorded process: /proc for each, and the admin endpoint or health check of
/// those due (`ProbeSchedule`, `ReplicaHealth`). At 400 processes on a loaded machine that took up to half a second,
/// and an apply, a registration or an expiry landing meanwhile used to wait for all of it. Now the probes run off the
/// actor while the pass waits for either them or a change; a change is carried at once by a quick pass planned from
/// the last observation (what a quick pass after an apply already did between full passes), and the full pass
/// then goes on with its fresh look, taking the versions proxies confirmed meanwhile over what their probes said.
///
/// The carrying pass only pushes configurations and writes status: a process to start or stop, or a drain to
/// finish, is left to the full pass, which plans again from its fresh observation a moment later (so nothing is
/// started from a look that predates it).
extension ReconcileLoop {
    private enum Wake: Sendable {
        case looked([ProcessLook])
        case changed
        case cancelled
    }

    /// Every record's look (`ReconcileLoop.look(at:plan:runtime:prober:)`), carrying changes while it runs.
    func lookCarryingChanges(at records: [StoredProcess], plan: LookPlan) async -> [ProcessLook] {
        let (runtime, prober) = (self.runtime, self.prober)
        confirmedWhileLooking = [:]
        return await withTaskGroup(of: Wake.self) { group in
            group.addTask { .looked(await Self.look(at: records, plan: plan, runtime: runtime, prober: prober)) }
            group.addTask { await self.nextChange() }
            var looks: [ProcessLook] = []
            // Bounded: each turn either ends the wait or carries one change, and changes come from callers.
            while let wake = await group.next() {
                if case .looked(let found) = wake {
                    looks = found
                    break
                }
                if case .changed = wake {
                    await carryChange()
                    group.addTask { await self.nextChange() }
                }
            }
            group.cancelAll()
            return looks
        }
    }

    /// Returns when an applied change waits to be carried, or at cancellation.
    private func nextChange() async -> Wake {
        if canCarryChange { return .changed }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled || canCarryChange { continuation.resume() } else { changeWaiter = continuation }
            }
        } onCancel: {
            Task { await self.releaseChangeWaiter() }
        }
        return canCarryChange && !Task.isCancelled ? .changed : .cancelled
    }

    private var canCarryChange: Bool { objectsChanged && !stopping && lastSnapshot != nil }

    /// Wakes a full pass waiting on its probes (`kick(observe: false)`, or cancellation).
    func releaseChangeWaiter() {
        guard let waiter = changeWaiter else { return }
        changeWaiter = nil
        waiter.resume()
    }

    /// One quick pass for the change, now. Its kick asked for no other pass: the full pass under way covers the rest.
    private func carryChange() async {
        guard canCarryChange else { return }
        if !observationWanted { pendingKick = false }
        _ = await pass(overtaking: true)
    }
}
