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

    /// What a waiter waits to carry.
    enum Carried: Sendable {
        /// Any change (an apply, a registry change), while a full pass's probes are out.
        case change
        /// A registry change alone, while a pass runs past its probes (`ReconcileLoop+RegistryCarry.swift`).
        case registryChange
    }

    private func nextChange() async -> Wake {
        await waitToCarry(.change) ? .changed : .cancelled
    }

    /// Returns true once there is something of `kind` to carry, false at cancellation. Woken at each kick; a wake
    /// with nothing of its kind waits again.
    func waitToCarry(_ kind: Carried) async -> Bool {
        // Bounded: each turn waits for a kick, and ends at cancellation.
        while !Task.isCancelled {
            if canCarry(kind) { return true }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    if Task.isCancelled || canCarry(kind) { continuation.resume() } else { changeWaiters.append(continuation) }
                }
            } onCancel: {
                Task { await self.releaseChangeWaiters() }
            }
        }
        return false
    }

    private func canCarry(_ kind: Carried) -> Bool {
        switch kind {
        case .change: canCarryChange
        case .registryChange: canCarryRegistryChange
        }
    }

    private var canCarryChange: Bool { objectsChanged && !stopping && lastSnapshot != nil }

    /// Wakes every waiter to look again (`kick(observe: false)`, or cancellation).
    func releaseChangeWaiters() {
        let waiters = changeWaiters
        changeWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    /// One quick pass for the change, now. Its kick asked for no other pass: the full pass under way covers the rest.
    private func carryChange() async {
        guard canCarryChange else { return }
        if !observationWanted { pendingKick = false }
        _ = await pass(overtaking: true)
    }
}
