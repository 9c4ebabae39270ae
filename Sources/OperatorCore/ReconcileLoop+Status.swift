import Foundation
import Manifests
import MeshStore
import OperatorAPI
import ProcessRuntime
import Reconciler
import SidecarConfig

extension ReconcileLoop {
    /// Writes each object's status when it changed (a status write moves resourceVersion, so unchanged ones are
    /// skipped to keep watchers quiet); of the objects in `only` alone when given.
    func writeStatuses(snapshot: MeshSnapshot, instances: [ObservedInstance], world: DesiredWorld,
                       only: Set<MeshStore.ObjectKey>? = nil) async {
        let crashLooping = Set(backoffs.filter { $0.value.isCrashLooping && notBefore[$0.key] != nil }.keys)
        var builder = StatusBuilder(instances: instances, world: world, lastExit: lastExit, crashLooping: crashLooping,
                                    rollouts: rollouts)
        builder.notReady = readinessReasons(instances)
        builder.autoscale = autoscaleReasons
        let time = JSON.time(Date())
        let storedByKey = Dictionary(snapshot.stored.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var changed: [(MeshStore.ObjectKey, ObjectStatus)] = []
        var written: [MeshStore.ObjectKey: WrittenStatus] = [:]
        for object in snapshot.objects {
            let key = MeshStore.ObjectKey(kind: object.kind.rawValue, name: object.name)
            guard only?.contains(key) ?? true, let stored = storedByKey[key] else { continue }
            // What is stored is what the last pass wrote (or kept), nearly always: decoded then, not again now.
            let previous = stored.status.flatMap { status in
                lastStatuses[stored.key].flatMap { $0.json == status.json ? $0.body : nil }
                    ?? JSON.decode(ObjectStatusBody.self, from: Array(status.json))
            }
            let status = builder.status(for: object, generation: stored.generation)
                .carryingTransitionTimes(from: previous, now: time)
            guard status != previous else {
                if let json = stored.status?.json, let previous { written[stored.key] = WrittenStatus(json: json, body: previous) }
                continue
            }
            let json = Data(JSON.encode(status))
            written[stored.key] = WrittenStatus(json: json, body: status)
            changed.append((stored.key, ObjectStatus(observedGeneration: stored.generation, json: json)))
        }
        if only == nil { lastStatuses = written } else { lastStatuses.merge(written) { _, new in new } }
        try? await store.updateStatuses(changed)
    }
}

/// A status as stored, with its decoded form.
struct WrittenStatus: Sendable {
    var json: Data
    var body: ObjectStatusBody
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
