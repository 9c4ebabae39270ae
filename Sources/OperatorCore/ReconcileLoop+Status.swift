import Foundation
import Manifests
import MeshStore
import OperatorAPI
import ProcessRuntime
import Reconciler
import SidecarConfig

extension ReconcileLoop {
    /// Writes each object's status when it changed (a status write moves resourceVersion, so unchanged ones are
    /// skipped to keep watchers quiet).
    func writeStatuses(snapshot: MeshSnapshot, instances: [ObservedInstance], world: DesiredWorld) async {
        let crashLooping = Set(backoffs.filter { $0.value.isCrashLooping && notBefore[$0.key] != nil }.keys)
        var builder = StatusBuilder(instances: instances, world: world, lastExit: lastExit, crashLooping: crashLooping,
                                    rollouts: rollouts)
        builder.notReady = readinessReasons(instances)
        let time = JSON.time(Date())
        var changed: [(MeshStore.ObjectKey, ObjectStatus)] = []
        for object in snapshot.objects {
            guard let stored = snapshot.stored(object.kind, object.name) else { continue }
            let previous = stored.status.flatMap { JSON.decode(ObjectStatusBody.self, from: Array($0.json)) }
            let status = builder.status(for: object, generation: stored.generation)
                .carryingTransitionTimes(from: previous, now: time)
            guard status != previous else { continue }
            changed.append((stored.key, ObjectStatus(observedGeneration: stored.generation, json: Data(JSON.encode(status)))))
        }
        try? await store.updateStatuses(changed)
    }
}

extension ReconcileLoop {
    /// Every recorded process as the last pass saw it, for `meshctl status`.
    func processViews() -> [ProcessView] {
        let desired = Dictionary(lastWorld.processes.map { ($0.slot, $0) }, uniquingKeysWith: { a, _ in a })
        return lastInstances.map { instance in
            let state: String
            switch instance.observed.state {
            case .starting: state = "starting"
            case .ready: state = "ready"
            case .draining: state = "draining"
            case .exited(let status): state = "exited(\(status))"
            }
            return ProcessView(
                slot: instance.slot.description, role: instance.slot.role.rawValue, service: instance.slot.service,
                replica: instance.slot.replica, pid: instance.record.pid, state: state,
                revision: String(instance.record.revision.prefix(8)), ports: instance.ports,
                configVersion: instance.observed.configVersion,
                desiredConfigVersion: lastWorld.configurations[instance.slot]?.version,
                restarts: backoffs[instance.slot]?.restarts ?? 0,
                dataPlane: Self.dataPlane(ofRevision: instance.record.revision),
                desiredDataPlane: desired[instance.slot].flatMap { Self.dataPlane(ofRevision: $0.revision) })
        }.sorted { $0.slot < $1.slot }
    }

    /// The short data-plane version a proxy revision carries (`ProxyLaunch.revision`).
    private static func dataPlane(ofRevision revision: String) -> String? {
        ProxyLaunch.dataPlane(ofRevision: revision).map { String($0.prefix(8)) }
    }
}
