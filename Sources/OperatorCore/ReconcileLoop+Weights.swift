import Logging
import Manifests
import MeshStore
import Reconciler
import SidecarConfig

/// A change of TrafficSplit weights alone goes to the proxies, and its status is written, before the rest of its
/// pass.
///
/// A canary step (`meshctl apply -f split.yaml` with new weights) changes one table of the proxies' configurations.
/// Its quick pass used to drive rollouts, compile, plan every process, push and then write every status; under a
/// saturating load the operator gets ~40 % of a core, and that was 80-130 ms from the apply to every proxy confirming
/// (docs/performance.md, "reconcile"). Now, right after the pass loads the stored objects, a change that differs from
/// the last compile's only in split weights is made from that compile with the new splits (`MeshCompiler.reweigh`:
/// every configuration the last one with its splits replaced, nothing planned again), pushed to the proxies whose
/// configuration it changes (the Planner's `.configure`, as every push), and the splits' statuses are written. The
/// rest of the pass then runs as always: its compile gives the same world, so it pushes nothing, and it writes
/// every other status.
///
/// Not taken (the pass does it all, as before): any other change in the write, a split a Rollout moves (its machine
/// decides the weights the proxies run), an autoscaled mesh (its pass decides replica counts first), a last compile
/// from other objects than the last load, and full passes.
extension ReconcileLoop {
    /// Carries `snapshot`'s change when it is one of split weights alone since the last compile's `previous` load;
    /// returns whether it did (and whether every proxy confirmed, which ends the change's propagation).
    func carryWeights(from previous: MeshSnapshot?, to snapshot: MeshSnapshot)
        async -> (carried: Bool, confirmed: Bool)
    {
        guard !stopping, autoscaling.decisions.isEmpty, let previous, previous.load == compiledLoad,
              snapshot.load != previous.load, let base = lastCompile,
              let splits = Self.reweighedSplits(from: previous.objects, to: snapshot.objects) else { return (false, false) }
        // The process CPU of each step, for the trace log alone.
        let tracing = logger.logLevel <= .trace
        var cpu = tracing ? ProcessCPUClock.milliseconds() : 0
        var steps: [String] = []
        func step(_ name: String) {
            guard tracing else { return }
            let now = ProcessCPUClock.milliseconds()
            steps.append("\(name)=\(Int(now - cpu))cpu")
            cpu = now
        }
        await enterPushGate()  // a registry change carried meanwhile is in the last compile, so in this one
        guard let reweighed = MeshCompiler.reweigh(splits, memo: encodingMemo, plans: planMemo) else {
            leavePushGate()
            return (false, false)
        }
        let compiled = CompiledWorld(inputs: reweighed.inputs, instances: base.instances,
                                     registryGeneration: base.registryGeneration, world: reweighed.world)
        lastCompile = compiled
        compiledLoad = snapshot.load
        // Only the proxies whose configuration the weights moved: any other one behind is the rest of the pass's.
        let moved = Set(compiled.world.configurations.compactMap { slot, config in
            lastWorld.configurations[slot]?.version == config.version ? nil : slot
        })
        step("reweigh")
        let pushes = Self.configureActions(compiled, observed: lastInstances, slots: moved)
        step("plan")
        let pushed = await push(pushes, world: compiled.world, instances: lastInstances)
        leavePushGate()
        step("push")
        lastInstances = lastInstances.map(withConfirmedVersion)
        lastWorld = compiled.world
        // The splits' own statuses; the rest of the pass writes every other one, as always.
        await writeStatuses(snapshot: snapshot, instances: lastInstances, world: compiled.world,
                            only: Set(splits.map { MeshStore.ObjectKey(kind: ManifestKind.trafficSplit.rawValue,
                                                                       name: $0.metadata.name) }))
        step("status")
        metrics.weightChangesCarried += 1
        logger.trace("weight change carried", metadata: [
            "t": "\(traceTime)", "splits": "\(splits.map(\.metadata.name))", "pushes": "\(pushes.count)",
            "confirmed": "\(pushed)", "steps": "\(steps.joined(separator: " "))"])
        return (true, pushed)
    }

    /// The TrafficSplits of `current` whose weights differ from `previous`'s, when nothing else differs (the same
    /// objects in the same order, each equal but for those weights); nil for any other change, or none.
    static func reweighedSplits(from previous: [ManifestObject], to current: [ManifestObject]) -> [TrafficSplit]? {
        guard previous.count == current.count else { return nil }
        var changed: [TrafficSplit] = []
        for (old, new) in zip(previous, current) where old != new {
            guard case .trafficSplit(let was) = old, case .trafficSplit(let split) = new,
                  was.withoutWeights == split.withoutWeights else { return nil }
            changed.append(split)
        }
        guard !changed.isEmpty else { return nil }
        let names = Set(changed.map(\.metadata.name))
        for case .rollout(let rollout) in current where names.contains(rollout.spec.trafficSplit) { return nil }
        return changed
    }
}

extension TrafficSplit {
    /// The split with every backend's weight 0: equal so, two splits differ in weights alone.
    var withoutWeights: TrafficSplit {
        var copy = self
        for index in copy.spec.backends.indices { copy.spec.backends[index].weight = 0 }
        return copy
    }
}
