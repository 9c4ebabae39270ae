import Manifests
import MeshStore
import Reconciler

extension ReconcileLoop {
    /// Applies each Service's `readinessProbe` to its observed replicas: the due ones are probed (side by side), and
    /// a replica counts as ready only while it is ready by its probe as well as by the usual check (it answers
    /// HTTP, or passes its `healthCheck`). Not ready is `.starting`: out of every proxy's endpoints, not counted by
    /// rollouts, never restarted for it. Called by every full pass right after `observe`.
    func applyReadiness(_ instances: [ObservedInstance], snapshot: MeshSnapshot) async -> [ObservedInstance] {
        var probes: [String: Service.ReadinessProbe] = [:]
        var workingDirectories: [String: String] = [:]
        for case .service(let service) in snapshot.objects {
            guard let command = service.spec.workload.commandValue, let probe = command.readinessProbe else { continue }
            probes[service.metadata.name] = probe
            workingDirectories[service.metadata.name] = command.workingDir
        }
        let probed = instances.indices.filter { index in
            let instance = instances[index]
            return instance.slot.role == .workload && probes[instance.slot.service] != nil
                && [.starting, .ready].contains(instance.observed.state)
        }
        readiness.retain(Set(probed.map { instances[$0].record.id }))
        guard !probed.isEmpty else { return instances }
        let clock = now
        var due: [(index: Int, probe: Service.ReadinessProbe, environment: [String: String])] = []
        for index in probed {
            let instance = instances[index]
            guard let probe = probes[instance.slot.service],
                  readiness.isDue(instance.record.id, probe: probe, now: clock) else { continue }
            // The environment the replica was started with (its revision's), so `exec` sees its PORT and `env`.
            let desired = lastWorld.processes.first { $0.slot == instance.slot && $0.revision == instance.record.revision }
            due.append((index, probe, desired?.environment ?? ["PORT": "\(instance.ports["port"] ?? 0)"]))
        }
        let checker = readinessChecker
        let results = await withTaskGroup(of: (Int, String?).self) { group in
            for item in due {
                let instance = instances[item.index]
                let workingDirectory = workingDirectories[instance.slot.service]
                group.addTask {
                    (item.index, await checker.check(item.probe.action, port: instance.ports["port"] ?? 0,
                                                     environment: item.environment, workingDirectory: workingDirectory,
                                                     timeout: .seconds(item.probe.timeoutSeconds)))
                }
            }
            var results: [(Int, String?)] = []
            for await result in group { results.append(result) }
            return results
        }
        for (index, failure) in results {
            readiness.record(instances[index].record.id, passed: failure == nil, failure: failure, now: clock)
        }
        var result = instances
        for index in probed where result[index].observed.state == .ready && !readiness.isReady(result[index].record.id) {
            result[index].observed.state = .starting
        }
        return result
    }

    /// Why each running replica that its probe holds back is not ready, for the Service's Ready condition.
    func readinessReasons(_ instances: [ObservedInstance]) -> [SlotID: String] {
        var reasons: [SlotID: String] = [:]
        for instance in instances where instance.slot.role == .workload && instance.observed.state == .starting {
            if let reason = readiness.notReadyReason(instance.record.id) { reasons[instance.slot] = reason }
        }
        return reasons
    }
}
