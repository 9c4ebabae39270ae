import Logging
import MeshStore
import Reconciler
import SidecarConfig

/// A registry change is carried past a running pass.
///
/// A registration, a deregistration or an expiry changes one thing: the registered endpoints the compiler lists in
/// every proxy's tables. A change that landed while a pass was past its probes (compiling, starting processes,
/// pushing, writing status) used to wait for that whole pass: 3-15 of 100 expiries in the discovery bench, 120-300 ms
/// each under load (docs/performance.md, "Discovery"). Now it goes at once, beside the pass: the inputs of the
/// latest compile (`lastCompile`) compiled again with the registry as it is now, and every ready proxy that does not
/// run the result is sent it.
///
/// Consistency: pushes go one at a time (`PushGate`), and each compile notes the registry generation it listed. A pass
/// whose compile predates the generation at its push compiles its inputs again with the registry of now before it
/// pushes, so its push never takes a carried change back out. A carry planned from the pass's own compile sends that
/// pass's world too, moments early: what it changes besides the registry is what the pass is about to push anyway.
/// Carried before the pass compiles, it sends the last pass's world with the change; the pass's compile then lists
/// the change too. Only configurations go: starting, stopping and status are the pass's (and the quick pass the
/// change's kick still asks for writes the status that counts registered instances).
extension ReconcileLoop {
    /// One compile: what it read, the instances it was planned against, and the registry generation it listed.
    struct CompiledWorld: Sendable {
        var inputs: MeshInputs
        var instances: [ObservedInstance]
        var registryGeneration: Int
        var world: DesiredWorld
    }

    private enum PassWake: Sendable {
        case passed(Double)
        case registryChanged
        case cancelled
    }

    /// One pass (`pass()`), with each registry change that lands meanwhile carried at once; returns the pass's wait.
    func passCarryingRegistryChanges() async -> Double {
        registryChangeWaiting = false  // the pass about to start compiles with the registry as it is now
        return await withTaskGroup(of: PassWake.self) { group in
            group.addTask { .passed(await self.pass()) }
            group.addTask { await self.waitToCarry(.registryChange) ? .registryChanged : .cancelled }
            var wait = 1.0
            // Bounded: each turn ends the pass or carries one change, and changes come from callers.
            while let wake = await group.next() {
                if case .passed(let after) = wake {
                    wait = after
                    break
                }
                if case .registryChanged = wake {
                    await carryRegistryChange()
                    group.addTask { await self.waitToCarry(.registryChange) ? .registryChanged : .cancelled }
                }
            }
            group.cancelAll()
            return wait
        }
    }

    /// A registry change waits, no pass has taken it in, and the probes are not out (their overtaking pass carries
    /// it then, `ReconcileLoop+Overtake.swift`).
    var canCarryRegistryChange: Bool {
        registryChangeWaiting && confirmedWhileLooking == nil && lastCompile != nil && !stopping
    }

    private func carryRegistryChange() async {
        guard canCarryRegistryChange else { return }
        registryChangeWaiting = false
        await enterPushGate()
        defer { leavePushGate() }
        // The pass may have pushed it already (its push compiled again for it).
        guard let base = lastCompile, base.registryGeneration != registrations.generation else { return }
        // An apply waiting too is for the next pass: only the registry's part goes now, so its clock keeps running.
        let covered = storedObjectsChanged ? nil : changeStoredAt
        if covered != nil { changeStoredAt = nil }
        let compiled = recompile(base)
        let targets = base.instances.map(withPushedVersion)
        let pushes = Self.configureActions(compiled, observed: targets)
        let pushed = await push(pushes, world: compiled.world, instances: targets)
        if let covered, !pushes.isEmpty {
            if pushed {
                metrics.propagation.record(seconds(since: covered))
            } else {
                changeStoredAt = min(changeStoredAt ?? covered, covered)  // a later pass records it
            }
        }
        lastInstances = lastInstances.map(withConfirmedVersion)
        lastWorld = compiled.world
        logger.trace("registry change carried", metadata: [
            "t": "\(traceTime)", "pushes": "\(pushes.count)", "passRunning": "\(!isSleeping)"])
    }

    /// The same inputs compiled again with the registry as it is now (a registry change after `base`'s compile).
    func recompile(_ base: CompiledWorld) -> CompiledWorld {
        var inputs = base.inputs
        inputs.registeredEndpoints = registrations.endpoints
        return compile(inputs, instances: base.instances)
    }

    /// The configurations `compiled` has for ready proxies that do not run them; of `slots` alone when given (the
    /// Planner decides each slot's push from that slot alone).
    static func configureActions(_ compiled: CompiledWorld, observed: [ObservedInstance], slots: Set<SlotID>? = nil)
        -> [ReconcileAction]
    {
        let desired = slots.map { slots in compiled.world.processes.filter { slots.contains($0.slot) } }
        let looked = slots.map { slots in observed.filter { slots.contains($0.slot) } } ?? observed
        return Planner.plan(desired: desired ?? compiled.world.processes, observed: looked.map(\.observed), now: 0).filter {
            if case .configure = $0 { return true }
            return false
        }
    }

    /// The instance as far as our pushes know: a proxy runs what it last accepted from us.
    private func withPushedVersion(_ instance: ObservedInstance) -> ObservedInstance {
        guard instance.observed.state == .ready, let version = pushedConfigs[instance.record.id]?.version else {
            return instance
        }
        var copy = instance
        copy.observed.configVersion = version
        return copy
    }
}

/// Pushes one at a time, in the order they asked: a push compiled later must not be overtaken on the wire by one
/// compiled earlier, or a proxy would end on the older configuration. The loop's actor owns it
/// (`enterPushGate()`, `leavePushGate()`).
struct PushGate: Sendable {
    var held = false
    var waiting: [CheckedContinuation<Void, Never>] = []
}

extension ReconcileLoop {
    /// Returns once no other push is under way; `leavePushGate()` hands the gate to the next in line.
    func enterPushGate() async {
        guard pushGate.held else {
            pushGate.held = true
            return
        }
        await withCheckedContinuation { pushGate.waiting.append($0) }
    }

    func leavePushGate() {
        guard !pushGate.waiting.isEmpty else {
            pushGate.held = false
            return
        }
        pushGate.waiting.removeFirst().resume()  // still held: it is the next one's now
    }
}
