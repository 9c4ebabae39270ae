import Foundation
import Logging
import Manifests
import MeshStore
import OperatorAPI
import Reconciler
import SidecarConfig

/// The rollout controller's effects: it feeds each rollout's machine what the operator observed (the new side
/// ready, proxies confirming weights, the stable side running a revision, analysis samples from the sidecars'
/// metrics), carries out what the machine asks, and turns the machine's level state (weights, the stable side's
/// revision) into overrides for the next compile.
extension ReconcileLoop {
    struct RolloutOverrides {
        var weights: [String: [String: Int]] = [:]
        var commands: [String: Service.Command] = [:]
        /// Blue-green previews routed now, by split.
        var pinned: [String: [PinnedRoute]] = [:]
        /// Canary mirror routes in force, by split.
        var mirrors: [String: [MirrorRoute]] = [:]
        /// Canary session affinity in force, by split.
        var affinities: [String: SplitSessionAffinity] = [:]
        var wait = 2.0
    }

    /// Wall-clock seconds: rollout state outlives the operator process.
    var wallClock: Double { Date().timeIntervalSince1970 }

    func driveRollouts(snapshot: MeshSnapshot, instances: [ObservedInstance]) async -> RolloutOverrides {
        var overrides = RolloutOverrides()
        var services: [String: Service] = [:]
        for case .service(let service) in snapshot.objects { services[service.metadata.name] = service }
        var seen = Set<String>()
        for case .rollout(let rollout) in snapshot.objects {
            let name = rollout.metadata.name
            seen.insert(name)
            let spec = rollout.spec
            guard let stable = services[spec.stableService], let stableCommand = stable.spec.workload.commandValue,
                  let canary = services[spec.newService], let canaryCommand = canary.spec.workload.commandValue else {
                continue  // validation requires both; a Service with static endpoints cannot be rolled
            }
            let now = wallClock
            var (record, recovered) = await loadRollout(name, spec: spec, stable: stableCommand, now: now)
            var machine = RolloutMachine(plan: RolloutPlan(spec), state: record.state)
            var actions = recovered ? machine.recover(now: now) : []
            let newSide = RolloutRecord.Workload(canaryCommand)
            record.workloads[newSide.revision] = newSide
            actions += machine.newRevision(newSide.revision, now: now)
            if appliedNewRevision[name] == newSide.revision, serviceRunning(spec.newService, instances: instances) {
                actions += machine.newSideReady(revision: newSide.revision, now: now)
            }
            if let pending = machine.state.pendingWeights, appliedWeights[name] == pending,
               splitConfirmed(spec.routingSplit, instances: instances) {
                actions += machine.weightsConfirmed(pending, now: now)
            }
            let target = machine.state.stableSideTarget
            if appliedStableTarget[name] == target, serviceRunning(spec.stableService, instances: instances) {
                actions += machine.stableUpdated(revision: target, now: now)
            }
            actions += machine.tick(now: now)
            var events: [NewEvent] = []
            overrides.wait = min(overrides.wait, await perform(actions, machine: &machine, record: &record,
                                                               rollout: rollout, instances: instances, events: &events))
            record.state = machine.state
            await saveRollout(name, record, rollout: rollout)
            await saveEvents(events)

            let weights = machine.state.desiredWeights
            overrides.weights[spec.routingSplit] = [spec.stableService: weights.stable, spec.newService: weights.canary]
            var pinned = weights.headerRoutes.map { $0.pinnedRoute(to: spec.newService) }
            if weights.preview, let route = PreviewRouting.pinnedRoute(for: spec) { pinned.insert(route, at: 0) }
            if !pinned.isEmpty { overrides.pinned[spec.routingSplit] = pinned }
            let mirrors = weights.mirrorRoutes.flatMap { $0.splitMirrorRoutes(to: spec.newService) }
            if !mirrors.isEmpty { overrides.mirrors[spec.routingSplit] = mirrors }
            overrides.affinities[spec.routingSplit] = RolloutSessionAffinity.split(spec, weights: weights,
                                                                                  revision: machine.state.revision)
            appliedWeights[name] = weights
            let stableTarget = machine.state.stableSideTarget
            if let workload = record.workloads[stableTarget], workload != RolloutRecord.Workload(stableCommand) {
                overrides.commands[spec.stableService] = Service.Command(
                    argv: workload.argv, replicas: stableCommand.replicas, env: workload.env,
                    workingDir: workload.workingDir)
            }
            appliedStableTarget[name] = stableTarget
            appliedNewRevision[name] = newSide.revision
            if machine.state.newSideScaledDown {
                overrides.commands[spec.newService] = Service.Command(
                    argv: canaryCommand.argv, replicas: 0, env: canaryCommand.env, workingDir: canaryCommand.workingDir)
            }
        }
        for name in Array(rollouts.keys) where !seen.contains(name) {
            rollouts[name] = nil
            try? await store.deleteRollout(named: name)
        }
        return overrides
    }

    /// `meshctl rollout promote|abort|pause|resume|retry|undo`: nil when done, else why not.
    func rolloutCommand(_ name: String, _ command: String, full: Bool) async -> String? {
        guard let snapshot = try? await MeshSnapshot.load(from: store),
              let rollout = snapshot.objects.compactMap(\.rollout).first(where: { $0.metadata.name == name }) else {
            return "rollout \"\(name)\" not found"
        }
        var services: [String: Service] = [:]
        for case .service(let service) in snapshot.objects { services[service.metadata.name] = service }
        guard let stableCommand = services[rollout.spec.stableService]?.spec.workload.commandValue else {
            return "rollout \"\(name)\": its stable service has no command"
        }
        let now = wallClock
        var (record, _) = await loadRollout(name, spec: rollout.spec, stable: stableCommand, now: now)
        var machine = RolloutMachine(plan: RolloutPlan(rollout.spec), state: record.state)
        let actions: [RolloutAction]
        do throws(RolloutCommandError) {
            switch command {
            case "promote": actions = try machine.promote(full: full, now: now)
            case "abort": actions = try machine.abort(now: now)
            case "pause": actions = try machine.pause(now: now)
            case "resume": actions = try machine.resume(now: now)
            case "retry": actions = try machine.retry(now: now)
            case "undo": actions = try machine.undo(now: now)
            default: return "unknown rollout command \"\(command)\""
            }
        } catch {
            return error.description
        }
        let commandEvent = NewEvent(key: MeshStore.ObjectKey(kind: "Rollout", name: name), type: .normal,
                                    reason: "Command", message: "meshctl rollout \(command)\(full ? " --full" : "")")
        var events: [NewEvent] = []
        _ = await perform(actions, machine: &machine, record: &record, rollout: rollout, instances: lastInstances,
                          events: &events)
        record.state = machine.state
        await saveRollout(name, record, rollout: rollout)
        // The decision is stored: the pass that pushes it to the proxies goes first, the events (stamped with the
        // time they happened) after; a blue-green switch or undo waits on nothing but that pass.
        kick()
        await saveEvents([commandEvent] + events)
        return nil
    }

    private func saveEvents(_ events: [NewEvent]) async {
        for event in events { try? await store.recordEvent(event) }
    }

    /// Carries out the machine's requests, feeding results back until it asks for nothing more (bounded).
    /// Events are collected into `events`, stamped now, for the caller to store once the state is saved.
    private func perform(_ initial: [RolloutAction], machine: inout RolloutMachine, record: inout RolloutRecord,
                         rollout: Rollout, instances: [ObservedInstance], events: inout [NewEvent]) async -> Double {
        var queue = initial
        var wait = 2.0
        var steps = 0
        let name = rollout.metadata.name
        let spec = rollout.spec
        while !queue.isEmpty && steps < 100 {
            steps += 1
            let action = queue.removeFirst()
            let now = wallClock
            switch action {
            case .setWeights, .promote:
                wait = min(wait, 0.25)  // level-triggered: the next compile carries them; look again soon
            case .openAnalysisWindow:
                record.windowCounters = await counters(of: spec.newService, instances: instances)
            case .collectAnalysis:
                let end = await counters(of: spec.newService, instances: instances)
                let sample = ServiceCounters.sample(
                    from: record.windowCounters ?? end, to: end, windowStart: machine.state.analysisWindowStart ?? now,
                    windowEnd: now, percentiles: machine.plan.latencyPercentiles)
                record.windowCounters = end
                queue += machine.analysisResult(sample, now: now)
            case .runWebhook(let kind):
                let (ok, message) = await callWebhooks(spec, kind: kind)
                queue += machine.webhookResult(kind, ok: ok, message: message, now: now)
            case .checkStableHealthy:
                queue += machine.stableHealthy(serviceRunning(spec.stableService, instances: instances), now: now)
            case .recordEvent(let event):
                events.append(NewEvent(
                    key: MeshStore.ObjectKey(kind: "Rollout", name: name), type: event.type == .warning ? .warning : .normal,
                    reason: event.reason, message: event.message))
            case .requeue(let after):
                wait = min(wait, max(after, 0.1))
            }
        }
        return wait
    }

    private func loadRollout(_ name: String, spec: Rollout.Spec, stable: Service.Command, now: Double) async
        -> (RolloutRecord, recovered: Bool)
    {
        if let cached = rollouts[name] { return (cached, false) }
        if let stored = try? await store.rollout(named: name),
           let record = try? JSONDecoder().decode(RolloutRecord.self, from: stored.state) {
            return (record, true)
        }
        let workload = RolloutRecord.Workload(stable)
        let machine = RolloutMachine(spec: spec, stableRevision: workload.revision, now: now)
        return (RolloutRecord(state: machine.state, workloads: [workload.revision: workload]), false)
    }

    private func saveRollout(_ name: String, _ record: RolloutRecord, rollout: Rollout) async {
        rollouts[name] = record
        do {
            let data = try JSONEncoder().encode(record)
            try await store.saveRollout(name: name, stepIndex: record.state.stepIndex, state: data, historyEntry: nil,
                                        status: nil)
        } catch {
            // Not silent: a record that is not saved is a rollout a restarted operator resumes from an older state.
            logger.error("rollout record not saved", metadata: ["rollout": "\(name)", "error": "\(error)"])
        }
    }

    /// Every desired process of the service runs the desired revision and is ready, and nothing older serves.
    /// An older instance still draining counts as serving: `finishDrains` stops it only once every proxy runs a
    /// configuration without it, and until then a sidecar may still send it calls. Weights moved to a side whose
    /// replaced replica still drains sent the new side's first calls to the old version (GRPCCanaryEndToEndTests).
    func serviceRunning(_ service: String, instances: [ObservedInstance]) -> Bool {
        let desired = lastWorld.processes.filter { $0.slot.service == service }
        guard !desired.isEmpty else { return false }
        return desired.allSatisfy { process in
            let alive = instances.filter { $0.slot == process.slot && $0.observed.isAlive }
            return alive.contains { $0.record.revision == process.revision && $0.observed.state != .draining && $0.isReady }
                && alive.allSatisfy { $0.record.revision == process.revision }
        }
    }

    /// Every answering proxy that carries the split runs it as the last compile wanted (`SplitConfirmation`).
    func splitConfirmed(_ split: String, instances: [ObservedInstance]) -> Bool {
        let desired = lastWorld.configurations
        let proxies = instances.filter { $0.slot.role != .workload }.map { instance in
            let running = desired[instance.slot].flatMap { $0.version == instance.observed.configVersion ? $0 : nil }
                ?? lastPushedConfig(running: instance)
            return SplitConfirmation.Proxy(slot: instance.slot, answering: instance.isReady, running: running)
        }
        return SplitConfirmation.confirmed(split: split, desired: desired, proxies: proxies)
    }

    /// The new side's cumulative counters, summed over the sidecars in front of its replicas.
    private func counters(of service: String, instances: [ObservedInstance]) async -> ServiceCounters {
        var counters = ServiceCounters()
        for instance in instances where instance.slot.service == service && instance.slot.role == .sidecar
            && instance.isReady {
            guard let admin = instance.ports["admin"],
                  let response = try? await APIClient(host: "127.0.0.1", port: admin, timeout: .seconds(2))
                      .send("GET", "/metrics"), response.status == 200 else { continue }
            counters.add(metrics: String(decoding: response.body, as: UTF8.self),
                         localService: MeshCompiler.localServiceName(service))
        }
        return counters
    }

    /// POSTs to every webhook of a kind; ok only when all answer 2xx (Flagger's contract).
    private func callWebhooks(_ spec: Rollout.Spec, kind: Rollout.Webhook.Kind) async -> (Bool, String) {
        let hooks: [Rollout.Webhook]
        switch spec.strategy {
        case .canary(let canary): hooks = canary.analysis.webhooks
        case .blueGreen(let blueGreen): hooks = blueGreen.prePromotionAnalysis?.webhooks ?? []
        }
        for hook in hooks where hook.type == kind {
            guard let url = URL(string: hook.url), let host = url.host, let port = url.port else {
                return (false, "\(hook.name): cannot call \(hook.url)")
            }
            let seconds = hook.timeout.components.seconds
            let client = APIClient(host: host, port: port, timeout: .seconds(max(1, seconds)))
            let path = url.path.isEmpty ? "/" : url.path
            let body = Array(#"{"type":"\#(kind.rawValue)","name":"\#(hook.name)"}"#.utf8)
            guard let response = try? await client.send("POST", path, body: body), (200..<300).contains(response.status)
            else {
                return (false, "\(hook.name) did not answer 2xx")
            }
        }
        return (true, "")
    }
}
