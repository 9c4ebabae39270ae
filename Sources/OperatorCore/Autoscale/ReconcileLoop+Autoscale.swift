import Logging
import Manifests
import MeshStore
import OperatorAPI
import Reconciler

/// The sidecars' own counters: `GET /metrics` on each admin port, the requests it passed to `local:NAME`.
struct SidecarRequestCounts: RequestCountSource {
    func requestCounts(service: String, sidecars: [(id: String, adminPort: Int)]) async -> [String: Double] {
        await withTaskGroup(of: (String, Double?).self) { group in
            for sidecar in sidecars {
                group.addTask {
                    guard let response = try? await APIClient(host: "127.0.0.1", port: sidecar.adminPort,
                                                              timeout: .seconds(1)).send("GET", "/metrics"),
                          response.status == 200 else { return (sidecar.id, nil) }
                    var counters = ServiceCounters()
                    counters.add(metrics: String(decoding: response.body, as: UTF8.self),
                                 localService: MeshCompiler.localServiceName(service))
                    return (sidecar.id, counters.requests)
                }
            }
            var counts: [String: Double] = [:]
            for await (id, count) in group { if let count { counts[id] = count } }
            return counts
        }
    }
}

extension ReconcileLoop {
    /// The snapshot this pass plans with: each autoscaled Service's `replicas` replaced by its autoscaler's count
    /// (the stored manifest keeps `min`). A full pass samples the sidecars' counters when due; a change of count
    /// is an event with its reason.
    func autoscaled(_ snapshot: MeshSnapshot, instances: [ObservedInstance], sample: Bool) async -> MeshSnapshot {
        var targets: [ServiceAutoscaling.Target] = []
        for case .service(let service) in snapshot.objects {
            guard let policy = service.spec.workload.commandValue?.autoscale else { continue }
            let name = service.metadata.name
            let mine = instances.filter { $0.slot.service == name && $0.observed.isAlive && $0.observed.state != .draining }
            let running = Set(mine.filter { $0.slot.role == .workload }.map(\.slot.replica)).count
            let sidecars = mine.filter { $0.slot.role == .sidecar && $0.isReady }
                .compactMap { instance in instance.ports["admin"].map { (id: instance.record.id, adminPort: $0) } }
            targets.append(.init(name: name, policy: policy, running: running, sidecars: sidecars))
        }
        guard !targets.isEmpty || !autoscaling.decisions.isEmpty else { return snapshot }
        // Stepped on a copy (an actor's property cannot be mutated across the awaits); only passes call this.
        var state = autoscaling
        let changes = await state.step(targets, source: SidecarRequestCounts(), now: now, sample: sample)
        autoscaling = state
        for change in changes {
            try? await store.recordEvent(NewEvent(key: MeshStore.ObjectKey(kind: "Service", name: change.service),
                                                  type: .normal, reason: "Autoscaled",
                                                  message: "\(change.from) -> \(change.decision.reason)"))
            logger.info("Autoscaled: service/\(change.service) \(change.from) -> \(change.decision.reason)")
        }
        var effective = snapshot
        effective.objects = snapshot.objects.map { object in
            guard case .service(var service) = object, var command = service.spec.workload.commandValue,
                  let decision = autoscaling.decisions[service.metadata.name] else { return object }
            command.replicas = decision.replicas
            service.spec.workload = .command(command)
            return .service(service)
        }
        return effective
    }

    /// Why each autoscaled Service has the count it has, for its Ready condition.
    var autoscaleReasons: [String: String] { autoscaling.decisions.mapValues(\.reason) }
}
