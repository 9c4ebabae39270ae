import Foundation
import Logging
import Manifests
import MeshStore
import ProcessRuntime
import Reconciler

extension ReconcileLoop {
    /// Looks at every recorded process: alive with the same start time, answering its health check or admin
    /// endpoint, and which configuration version it reports. A process that ended is noted once, with its exit
    /// status and last output, and its slot gets a restart backoff.
    func observe(_ records: [StoredProcess], snapshot: MeshSnapshot) async -> [ObservedInstance] {
        var checks: [String: ReplicaHealth.Check] = [:]
        var opaque: Set<String> = []
        for case .service(let service) in snapshot.objects {
            if let check = service.spec.healthCheck { checks[service.metadata.name] = ReplicaHealth.Check(check) }
            // A tcp workload speaks no HTTP, and an h2c-only one (grpcio, for one) closes an HTTP/1.1 probe unanswered.
            if service.spec.appProtocol == .tcp
                || (service.spec.healthCheck == nil && [.grpc, .http2].contains(service.spec.appProtocol)) {
                opaque.insert(service.metadata.name)
            }
        }
        // A workload with a healthCheck is probed when its interval says so (ReplicaHealth); between probes it
        // keeps the status its thresholds gave it.
        let clock = now
        let due = Set(records.filter { record in
            checks[record.service].map { replicaHealth.isDue(record.id, check: $0, now: clock) } ?? true
        }.map(\.id))
        // Probes run concurrently (a pass over 80 processes would otherwise wait on 80 round trips in a row);
        // exits are noted afterwards, one at a time, because they touch the loop's backoff state.
        let runtime = self.runtime
        let prober = self.prober
        let probed = await withTaskGroup(of: (Int, ObservedProcess, ProcessObservation, Bool?).self) { group in
            for (index, record) in records.enumerated() {
                let check = checks[record.service]
                let probeNow = due.contains(record.id)
                let listensOnly = opaque.contains(record.service)
                group.addTask {
                    let ports = record.portMap
                    var observed = ObservedProcess(slot: record.slot, instance: record.id, revision: record.revision,
                                                   state: .starting)
                    // A gateway whose revision carries no data-plane version was started before `--reuse-port`.
                    observed.holdsPortsExclusively = record.role == .gateway
                        && ProxyLaunch.dataPlane(ofRevision: record.revision) == nil
                    var passed: Bool?
                    let seen = await runtime.observe(record.handle)
                    if case .running = seen {
                        if record.state == "draining" {
                            observed.state = .draining
                        } else if record.role == .workload {
                            if probeNow && listensOnly {
                                // A tcp workload, or an h2c one without a healthCheck: ready once it listens.
                                passed = !PortProbe.isFree(ports["port"] ?? 0)
                            } else if probeNow, let service = check?.grpcService {
                                passed = await prober.grpcServing(port: ports["port"] ?? 0, service: service,
                                                                  timeout: check?.timeout ?? .seconds(1))
                            } else if probeNow {
                                passed = await prober.workloadReady(port: ports["port"] ?? 0, healthPath: check?.path,
                                                                    timeout: check?.timeout ?? .seconds(1))
                            }
                            observed.state = passed == true ? .ready : .starting
                        } else {
                            observed.configVersion = await prober.proxyConfigVersion(adminPort: ports["admin"] ?? 0)
                            observed.state = observed.configVersion == nil ? .starting : .ready
                        }
                    }
                    return (index, observed, seen, passed)
                }
            }
            var results: [(Int, ObservedProcess, ProcessObservation, Bool?)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }
        }
        replicaHealth.retain(Set(records.map(\.id)))
        var result: [ObservedInstance] = []
        for (index, var observed, seen, passed) in probed {
            let record = records[index]
            if observed.state != .draining, seen == .running, record.role == .workload, let check = checks[record.service] {
                let healthy = passed.map { replicaHealth.record(record.id, check: check, passed: $0, now: clock) }
                    ?? replicaHealth.isHealthy(record.id)
                observed.state = healthy ? .ready : .starting
            }
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
