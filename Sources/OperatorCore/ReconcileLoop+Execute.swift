import Foundation
import Logging
import MeshStore
import OperatorAPI
import ProcessRuntime
import Reconciler
import SidecarConfig

extension ReconcileLoop {
    /// Carries out one planned action. Each is idempotent; a failure is reported as an event and the next pass
    /// looks again.
    func execute(_ action: ReconcileAction, world: DesiredWorld, instances: [ObservedInstance]) async {
        switch action {
        case .start(let process):
            await start(process, world: world, instances: instances)
        case .stop(_, let instance, let reason):
            guard let found = instances.first(where: { $0.record.id == instance }) else { return }
            let successor = world.processes.first { $0.slot == found.slot }
            await beginDrain(found, reason: reason, successorRevision: successor?.revision)
        case .configure:
            await push([action], world: world, instances: instances)
        case .forget(_, let instance):
            try? await store.deleteProcess(id: instance)
            drainingSince[instance] = nil
        case .requeue:
            break
        }
    }

    /// One proxy's share of a push.
    struct PushJob: Sendable {
        var slot: SlotID
        var instance: String
        var adminPort: Int
        var config: SidecarConfiguration
        /// What it runs, if that is what we last pushed to it: then a patch of the tables may do.
        var running: SidecarConfiguration?
    }

    /// Sends every `.configure` of a pass at once, off the actor: patches first, all together, then the whole
    /// document to those that could not take one (`KeepAliveClient.sendAll`: each call chained on its connection's
    /// event loop, one wait for all of them). Only the outcomes come back to the actor.
    /// Returns whether every proxy took its configuration.
    @discardableResult
    func push(_ actions: [ReconcileAction], world: DesiredWorld, instances: [ObservedInstance]) async -> Bool {
        let timer = PushTimer()
        var jobs: [PushJob] = []
        let byID = Dictionary(instances.map { ($0.record.id, $0) }, uniquingKeysWith: { first, _ in first })
        let dataPlanes = Dictionary(world.processes.map { ($0.slot, ProxyLaunch.dataPlane(ofRevision: $0.revision)) },
                                    uniquingKeysWith: { first, _ in first })
        for case .configure(let slot, let instance, let version) in actions {
            guard let found = byID[instance],
                  let config = world.configurations[slot], config.version == version else { continue }
            // A patch only to a proxy of the operator's own data plane: an older one (not yet replaced in an
            // upgrade) would ignore fields it does not know, services say, and still claim the new version.
            let sameDataPlane = ProxyLaunch.dataPlane(ofRevision: found.record.revision) == dataPlanes[slot] ?? nil
            jobs.append(PushJob(slot: slot, instance: instance, adminPort: found.ports["admin"] ?? 0, config: config,
                                running: sameDataPlane ? lastPushedConfig(running: found) : nil))
        }
        pushedConfigs = pushedConfigs.filter { byID[$0.key] != nil }
        prober.pushes.retain(ports: Set(instances.compactMap { $0.ports["admin"] }))
        guard !jobs.isEmpty else { return actions.isEmpty }
        timer.mark("jobs")
        let outcomes = await Self.send(jobs, prober: prober, tables: world.configurations[GatewayPlan.slot], timer: timer)
        timer.mark("returned")
        defer { logger.trace("push", metadata: ["jobs": "\(jobs.count)", "timeline": "\(timer.summary)"]) }
        for (job, outcome) in zip(jobs, outcomes) {
            metrics.recordPush(ok: outcome.problem == nil, patched: outcome.patched)
            if let problem = outcome.problem {
                pushedConfigs[job.instance] = nil
                probeSchedule.lost(job.instance)  // did it answer at all? The next full pass asks it
                confirmedWhileLooking?[job.instance] = nil
                await event(for: job.slot, type: .warning, reason: "ConfigRejected", message: "\(job.slot): \(problem)")
            } else {
                // The proxy answered 200 with this version: it serves it now (its own word, not our intent).
                confirmedVersions[job.instance] = job.config.version
                confirmedWhileLooking?[job.instance] = job.config.version
                pushedConfigs[job.instance] = job.config
                probeSchedule.answered(job.instance, now: now)
            }
        }
        return jobs.count == actions.count && outcomes.allSatisfy { $0.problem == nil }
    }

    /// Each job's outcome, in order: the proxy's refusal (nil: it runs the configuration) and whether a patch did it.
    /// Whole documents go first, then the patches, then the whole document to a proxy that refused its patch (409):
    /// a proxy that needs the whole document is usually new (nothing pushed to it yet), and what it learns there (its
    /// own workload's endpoint) must be in place before a patch lists it in the gateway and every other sidecar; sent
    /// at once, a patch won that race and the gateway routed to a sidecar that had no workload yet (503).
    /// `tables`: the gateway's configuration, whose shared tables whole documents splice in (`PushEncoder`, made only
    /// when a whole document goes out: a weight change is patches alone).
    private static func send(_ jobs: [PushJob], prober: Prober, tables: SidecarConfiguration?, timer: PushTimer) async
        -> [(problem: String?, patched: Bool)]
    {
        var outcomes: [(problem: String?, patched: Bool)?] = Array(repeating: nil, count: jobs.count)
        var patches: [(index: Int, body: Data)] = []
        var whole: [Int] = []
        var patchEncoder = PatchEncoder()
        for (index, job) in jobs.enumerated() {
            if let running = job.running, let patch = SidecarConfigPatch.between(running, job.config) {
                patches.append((index, patchEncoder.body(for: patch)))
            } else {
                whole.append(index)
            }
        }
        timer.mark("encoded")
        var encoder: PushEncoder?
        func sendWhole(_ indices: [Int]) async {
            guard !indices.isEmpty else { return }
            encoder = encoder ?? PushEncoder(tables: tables)
            let bodies = indices.map { (jobs[$0].adminPort, encoder?.body(for: jobs[$0].config) ?? PushEncoder.whole(jobs[$0].config)) }
            for (index, problem) in zip(indices, await prober.pushConfigs(bodies, timer: timer)) { outcomes[index] = (problem, false) }
        }
        await sendWhole(whole)
        let patched = patches.isEmpty ? [] : await prober.patchConfigs(patches.map { (jobs[$0.index].adminPort, $0.body) }, timer: timer)
        for (patch, outcome) in zip(patches, patched) {
            switch outcome {
            case .applied: outcomes[patch.index] = (nil, true)
            case .refused(let problem): outcomes[patch.index] = (problem, true)
            case .needsWhole: break  // it runs something else, or cannot patch: the whole document
            }
        }
        await sendWhole(outcomes.indices.filter { outcomes[$0] == nil })
        return outcomes.map { $0 ?? ("not sent", false) }
    }

    private func start(_ process: DesiredProcess, world: DesiredWorld, instances: [ObservedInstance]) async {
        let slot = process.slot
        if let config = world.configurations[slot] {
            let path = DesiredWorld.configPath(for: slot, in: directory.configsDirectory)
            try? config.encodedJSON().write(to: URL(fileURLWithPath: path), options: .atomic)
        }
        let (spec, passed) = withGatewaySockets(withOutboundSocket(
            ProcessSpec(arguments: process.argv, environment: process.environment,
                        inheritEnvironment: process.inheritEnvironment, workingDirectory: process.workingDirectory,
                        logPath: directory.logPath(for: slot.description)),
            for: process, instances: instances), for: process, world: world, instances: instances)
        defer { if let passed { close(passed) } }  // the gateway's end of the pair: its copy is its stdin now
        do {
            let handle = try await runtime.spawn(spec)
            let record = StoredProcess(
                id: "\(slot)@\(process.revision.prefix(8))#\(handle.pid)", role: slot.role.processRole,
                service: slot.service, replica: slot.replica, pid: handle.pid, startTime: handle.startTime,
                commandHash: handle.commandHash, ports: Data(JSON.encode(process.ports)), logPath: handle.logPath,
                state: "running", revision: process.revision)
            try await store.saveProcess(record.carrying(recordStart(of: slot)))
            await event(for: slot, type: .normal, reason: "Started", message: "\(slot) started (pid \(handle.pid))")
        } catch {
            _ = recordCrash(of: slot)
            lastExit[slot] = "\(slot) failed to start: \(error)"
            await event(for: slot, type: .warning, reason: "FailedToStart", message: "\(slot): \(error)")
        }
    }

    /// Takes an instance out of rotation: marked draining, it leaves every proxy's endpoints in the next configs;
    /// `finishDrains` stops it once the proxies have those configs.
    /// The event says when the replacement is a data-plane upgrade (`data plane 1f326e7b -> 8a15047e`).
    private func beginDrain(_ instance: ObservedInstance, reason: ReconcileAction.StopReason,
                            successorRevision: String?) async {
        var record = instance.record
        guard record.state != "draining" else { return }
        record.state = "draining"
        try? await store.saveProcess(record)
        drainingSince[record.id] = now
        var why = reason.rawValue
        let old = ProxyLaunch.dataPlane(ofRevision: record.revision)?.prefix(8)
        if reason == .replaced, let new = successorRevision.flatMap(ProxyLaunch.dataPlane(ofRevision:))?.prefix(8),
           old != new {
            why += " (data plane \(old ?? "-") -> \(new))"
        }
        await event(for: instance.slot, type: .normal, reason: "Draining",
                    message: "\(instance.slot) (pid \(record.pid)) draining: \(why)")
    }

    /// Stops draining instances whose traffic has moved: every ready proxy reports its desired configuration (which
    /// no longer lists them) and `drainDelay` has passed — or `maxDrain` has, whatever the proxies say.
    /// Replicas stop side by side; within one, the sidecar first (it finishes what it already forwards), then the
    /// workload gets SIGTERM and its `terminationGracePeriod` before SIGKILL. The pass waits for them.
    func finishDrains(instances: [ObservedInstance], world: DesiredWorld) async {
        let draining = instances.filter { $0.observed.state == .draining }
        guard !draining.isEmpty else { return }
        let proxies = instances.compactMap { instance -> DrainGate.Proxy? in
            guard let desired = world.configurations[instance.slot] else { return nil }
            // This pass's answers are not in `instances` yet: those count as unknown, and as not current, until the
            // next pass.
            let running = lastPushedConfig(running: instance)
            return DrainGate.Proxy(
                ready: instance.isReady, current: instance.observed.configVersion == desired.version,
                services: running.map { Set(desired.services.map(\.name)).union($0.services.map(\.name)) })
        }
        var due: [ObservedInstance] = []
        for instance in draining {
            let since = drainingSince[instance.record.id] ?? now
            drainingSince[instance.record.id] = since
            let heldBack = DrainGate.heldBack(service: instance.slot.service, by: proxies)
            guard DrainGate.isDue(waited: now - since, heldBack: heldBack, drainDelay: drainDelay, maxDrain: maxDrain)
            else { continue }
            due.append(instance)
        }
        let replicas = Dictionary(grouping: due) { "\($0.slot.service)#\($0.slot.replica)" }
        await withTaskGroup(of: Void.self) { group in
            for (_, members) in replicas {
                let ordered = members.sorted { ($0.slot.role == .workload ? 1 : 0) < ($1.slot.role == .workload ? 1 : 0) }
                let grace = world.terminationGracePeriod(of: ordered[0].slot.service)
                group.addTask {
                    for instance in ordered {
                        await self.stopNow(instance, grace: instance.slot.role == .workload ? grace : Self.proxyGrace)
                    }
                }
            }
        }
    }

    /// What a proxy instance runs, if that is what we last pushed it: only while it reports that version (a proxy
    /// restarted in place, or one that took another push since, runs something else).
    func lastPushedConfig(running instance: ObservedInstance) -> SidecarConfiguration? {
        pushedConfigs[instance.record.id].flatMap { $0.version == instance.observed.configVersion ? $0 : nil }
    }

    /// A proxy asked to drain finishes its in-flight requests and exits by itself; this bounds that.
    static let proxyGrace: Duration = .seconds(10)

    func stopNow(_ instance: ObservedInstance, grace: Duration) async {
        let record = instance.record
        if record.role != .workload, let admin = instance.ports["admin"] {
            await prober.drain(adminPort: admin)  // finishes its in-flight requests, then exits on its own
        }
        let outcome = await runtime.stop(record.handle, grace: grace)
        try? await store.deleteProcess(id: record.id)
        drainingSince[record.id] = nil
        await event(for: instance.slot, type: .normal, reason: "Stopped",
                    message: "\(instance.slot) (pid \(record.pid)) stopped (\(outcome))")
    }
}
