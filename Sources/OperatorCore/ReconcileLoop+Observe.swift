import Foundation
import Logging
import Manifests
import MeshStore
import ProcessRuntime
import Reconciler

extension ReconcileLoop {
    /// What a full pass asks of the recorded processes, read from the loop's state before the probes go out.
    struct LookPlan: Sendable {
        /// When the looks went out (the loop's clock): what health checks and the probe schedule count from.
        var clock: Double
        /// Each Service's health check, by name.
        var checks: [String: ReplicaHealth.Check] = [:]
        /// Services whose workloads are ready once they listen (tcp, or h2c without a health check).
        var opaque: Set<String> = []
        /// Workloads whose check is due this pass.
        var dueWorkloads: Set<String> = []
        /// Ready workloads without a health check that answered recently (`ProbeSchedule`): still ready, unasked.
        var knownReadyWorkloads: Set<String> = []
        /// Ready proxies whose configuration version is known and not due for a recheck (`ProbeSchedule`): that
        /// version, without asking.
        var knownVersions: [String: String] = [:]
    }

    /// What one look at a recorded process found, before the loop folds it into its state.
    struct ProcessLook: Sendable {
        var observed: ObservedProcess
        var seen: ProcessObservation
        /// A workload's check, when one ran.
        var passed: Bool?
        /// A proxy's admin endpoint was asked this pass (it answered when `observed.configVersion` is set).
        var askedProxy = false
    }

    /// Looks at every recorded process: alive with the same start time, answering its health check or admin
    /// endpoint, and which configuration version it reports. A process that ended is noted once, with its exit
    /// status and last output, and its slot gets a restart backoff. While the probes are out, applied changes are
    /// carried to the proxies from the last observation (`lookCarryingChanges`).
    func observe(_ records: [StoredProcess], snapshot: MeshSnapshot) async -> [ObservedInstance] {
        let plan = lookPlan(records, snapshot: snapshot)
        let looks = await lookCarryingChanges(at: records, plan: plan)
        return await fold(looks, records: records, plan: plan)
    }

    private func lookPlan(_ records: [StoredProcess], snapshot: MeshSnapshot) -> LookPlan {
        var plan = LookPlan(clock: now)
        for case .service(let service) in snapshot.objects {
            if let check = service.spec.healthCheck { plan.checks[service.metadata.name] = ReplicaHealth.Check(check) }
            // A tcp workload speaks no HTTP, and an h2c-only one (grpcio, for one) closes an HTTP/1.1 probe unanswered.
            if service.spec.appProtocol == .tcp
                || (service.spec.healthCheck == nil && [.grpc, .http2].contains(service.spec.appProtocol)) {
                plan.opaque.insert(service.metadata.name)
            }
        }
        // A workload with a healthCheck is probed when its interval says so (ReplicaHealth); between probes it
        // keeps the status its thresholds gave it.
        let clock = plan.clock
        let last = Dictionary(lastInstances.map { ($0.record.id, $0.observed) }, uniquingKeysWith: { first, _ in first })
        for record in records {
            let known = last[record.id].flatMap { $0.state == .ready && !probeSchedule.isDue(record.id, now: clock) ? $0 : nil }
            if record.role == .workload {
                if let check = plan.checks[record.service] {
                    if replicaHealth.isDue(record.id, check: check, now: clock) { plan.dueWorkloads.insert(record.id) }
                } else if known != nil {
                    plan.knownReadyWorkloads.insert(record.id)
                } else {
                    plan.dueWorkloads.insert(record.id)
                }
            } else if let version = known?.configVersion {
                plan.knownVersions[record.id] = version
            }
        }
        return plan
    }

    /// Every record's look, concurrently (a pass over 400 processes would otherwise wait on 400 round trips in a
    /// row); off the actor's state, so the loop can carry a change meanwhile.
    static func look(at records: [StoredProcess], plan: LookPlan, runtime: any ProcessRuntime, prober: Prober) async
        -> [ProcessLook]
    {
        await withTaskGroup(of: (Int, ProcessLook).self) { group in
            for (index, record) in records.enumerated() {
                group.addTask {
                    (index, await look(at: record, plan: plan, runtime: runtime, prober: prober))
                }
            }
            var found: [(Int, ProcessLook)] = []
            for await result in group { found.append(result) }
            var looks = found.sorted { $0.0 < $1.0 }.map(\.1)
            // The proxies to ask, all in one batch over plain sockets (as pushes go): through NIO each exchange cost
            // the operator ~100 µs, every full pass, for every proxy due.
            let asked = looks.indices.filter { looks[$0].askedProxy }
            let versions = await prober.proxyConfigVersions(adminPorts: asked.map { records[$0].portMap["admin"] ?? 0 })
            for (index, version) in zip(asked, versions) {
                looks[index].observed.configVersion = version
                looks[index].observed.state = version == nil ? .starting : .ready
            }
            return looks
        }
    }

    private static func look(at record: StoredProcess, plan: LookPlan, runtime: any ProcessRuntime, prober: Prober)
        async -> ProcessLook
    {
        let ports = record.portMap
        var look = ProcessLook(
            observed: ObservedProcess(slot: record.slot, instance: record.id, revision: record.revision, state: .starting),
            seen: await runtime.observe(record.handle))
        // A gateway whose revision carries no data-plane version was started before `--reuse-port`.
        look.observed.holdsPortsExclusively = record.role == .gateway
            && ProxyLaunch.dataPlane(ofRevision: record.revision) == nil
        guard case .running = look.seen else { return look }
        if record.state == "draining" {
            look.observed.state = .draining
        } else if record.role == .workload {
            let check = plan.checks[record.service]
            if plan.dueWorkloads.contains(record.id) {
                if plan.opaque.contains(record.service) {
                    // A tcp workload, or an h2c one without a healthCheck: ready once it listens.
                    look.passed = !PortProbe.isFree(ports["port"] ?? 0)
                } else if let service = check?.grpcService {
                    look.passed = await prober.grpcServing(port: ports["port"] ?? 0, service: service,
                                                           timeout: check?.timeout ?? .seconds(1))
                } else {
                    look.passed = await prober.workloadReady(port: ports["port"] ?? 0, healthPath: check?.path,
                                                             timeout: check?.timeout ?? .seconds(1))
                }
            }
            look.observed.state = look.passed == true || plan.knownReadyWorkloads.contains(record.id) ? .ready : .starting
        } else if let known = plan.knownVersions[record.id] {
            look.observed.configVersion = known
            look.observed.state = .ready
        } else {
            look.askedProxy = true  // with every other proxy due, in one batch (`look(at:plan:runtime:prober:)`)
        }
        return look
    }

    /// Folds the looks into the loop's state, one at a time: health thresholds, exits and backoff, the probe
    /// schedule, and the versions proxies confirmed to pushes made while the probes were out (newer than a probe).
    private func fold(_ looks: [ProcessLook], records: [StoredProcess], plan: LookPlan) async -> [ObservedInstance] {
        let clock = plan.clock
        let confirmed = confirmedWhileLooking ?? [:]
        confirmedWhileLooking = nil
        releaseChangeWaiters()  // the probes are in: a registry change that came as they ended is carried now
        replicaHealth.retain(Set(records.map(\.id)))
        probeSchedule.retain(Set(records.map(\.id)))
        var result: [ObservedInstance] = []
        for (record, look) in zip(records, looks) {
            var observed = look.observed
            let seen = look.seen
            if observed.state != .draining, seen == .running, record.role == .workload, let check = plan.checks[record.service] {
                let healthy = look.passed.map { replicaHealth.record(record.id, check: check, passed: $0, now: clock) }
                    ?? replicaHealth.isHealthy(record.id)
                observed.state = healthy ? .ready : .starting
            }
            // What the schedule goes by: a proxy's answer, or the check of a workload without a health check.
            let answered = look.askedProxy ? observed.configVersion != nil
                : plan.checks[record.service] == nil ? look.passed : nil
            if let answered {
                if answered { probeSchedule.answered(record.id, now: clock) } else { probeSchedule.lost(record.id) }
            }
            if observed.state == .ready, let version = confirmed[record.id] { observed.configVersion = version }
            await restoreBackoff(from: record, alive: seen == .running)
            switch seen {
            case .running:
                break
            case .exited(let status):
                observed.state = .exited(status: status.map(Self.code) ?? -1)
                await noteExit(record, status: status.map(\.description) ?? "exited")
            case .gone:
                observed.state = .exited(status: -1)
                await noteExit(record, status: "is gone (it ended while no operator watched it)")
            }
            observed.restartNotBefore = notBefore[record.slot]
            result.append(ObservedInstance(record: record, observed: observed, ports: record.portMap))
        }
        return result
    }

    static func code(_ status: ExitStatus) -> Int32 {
        switch status {
        case .code(let code): return code
        case .signal(let signal): return 128 + signal
        }
    }

    /// The first time an exit is seen: mark the record, start the slot's backoff, and say why in an event.
    private func noteExit(_ record: StoredProcess, status: String) async {
        guard record.state != "exited" else { return }
        var updated = record
        updated.state = "exited"
        guard drainingSince[record.id] == nil, record.state != "draining" else {  // we stopped it
            try? await store.saveProcess(updated)
            return
        }
        let slot = record.slot
        let (seconds, backoff) = recordCrash(of: slot)
        try? await store.saveProcess(updated.carrying(backoff, restartIn: seconds))
        let tail = await runtime.tail(logPath: record.logPath, lines: 3).joined(separator: " | ")
        let message = "\(slot) (pid \(record.pid)) \(status); restarting in \(Int(seconds.rounded()))s"
            + (tail.isEmpty ? "" : "; last output: \(tail)")
        lastExit[slot] = message
        await event(for: slot, type: .warning, reason: backoff.isCrashLooping ? "CrashLoopBackOff" : "Exited",
                    message: message)
    }

    func event(for slot: SlotID, type: EventType, reason: String, message: String) async {
        let key = slot.role == .gateway
            ? MeshStore.ObjectKey(kind: "Gateway", name: "gateway")
            : MeshStore.ObjectKey(kind: "Service", name: slot.service)
        try? await store.recordEvent(NewEvent(key: key, type: type, reason: reason, message: message))
        logger.info("\(reason): \(message)")
    }
}
