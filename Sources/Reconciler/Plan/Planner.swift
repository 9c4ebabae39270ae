/// `plan(desired:observed:now:)`: the pure heart of the reconcile loop. No I/O, no clock of its own, no memory of
/// earlier passes: each pass looks at the world as observed and says what to do next. Same inputs (in any order),
/// same actions, in the same order.
///
/// Rules, per slot:
/// - a slot nobody wants any more: its live instances are stopped, its exited ones forgotten;
/// - an empty slot (first start, or its process died) is filled at once, unless a crash put it in backoff;
/// - a slot running an old revision gets a new instance beside the old one, and the old one is stopped only once the
///   new one is ready; within a group (`web`'s workloads, `web`'s sidecars) one slot is replaced at a time. Every
///   slot is replaced so, the gateway too: proxies bind their fixed ports with `SO_REUSEPORT`, so old and new serve
///   side by side until the old one drains. Only an old instance that holds its ports exclusively (observed so) is
///   stopped first, and the new one starts once it is gone;
/// - a ready sidecar reporting another configuration version than desired is sent the desired one.
public enum Planner {
    public static func plan(desired: [DesiredProcess], observed: [ObservedProcess], now: Double) -> [ReconcileAction] {
        var desiredBySlot: [SlotID: DesiredProcess] = [:]
        for process in desired { desiredBySlot[process.slot] = process }
        var observedBySlot: [SlotID: [ObservedProcess]] = [:]
        for process in observed { observedBySlot[process.slot, default: []].append(process) }
        for slot in observedBySlot.keys { observedBySlot[slot]?.sort { $0.instance < $1.instance } }

        var actions: [ReconcileAction] = []
        for slot in observedBySlot.keys.sorted() where desiredBySlot[slot] == nil {
            for instance in observedBySlot[slot] ?? [] {
                switch instance.state {
                case .starting, .ready: actions.append(.stop(slot: slot, instance: instance.instance, reason: .removed))
                case .draining: break
                case .exited: actions.append(.forget(slot: slot, instance: instance.instance))
                }
            }
        }

        var busyGroups = Set<String>()
        for (slot, process) in desiredBySlot where SlotView(process, observedBySlot[slot] ?? []).isBeingReplaced {
            busyGroups.insert(slot.group)
        }
        for slot in desiredBySlot.keys.sorted() {
            guard let process = desiredBySlot[slot] else { continue }
            let view = SlotView(process, observedBySlot[slot] ?? [])
            actions += view.actions(now: now, busyGroups: &busyGroups)
        }
        return actions
    }
}

/// One desired slot and the instances observed in it.
private struct SlotView {
    let desired: DesiredProcess
    /// Live, not draining, running the desired revision; the best (ready, then oldest id) first.
    let current: [ObservedProcess]
    /// Live, not draining, running another revision.
    let outdated: [ObservedProcess]
    let exited: [ObservedProcess]
    /// Alive (draining included), running another revision, and in the way of a new instance's ports.
    let exclusive: [ObservedProcess]

    init(_ desired: DesiredProcess, _ instances: [ObservedProcess]) {
        self.desired = desired
        let live = instances.filter { $0.isAlive && $0.state != .draining }
        current = live.filter { $0.revision == desired.revision }.sorted { a, b in
            (a.state == .ready ? 0 : 1, a.instance) < (b.state == .ready ? 0 : 1, b.instance)
        }
        outdated = live.filter { $0.revision != desired.revision }
        exited = instances.filter { !$0.isAlive }
        exclusive = instances.filter { $0.isAlive && $0.revision != desired.revision && $0.holdsPortsExclusively }
    }

    /// A new instance is on its way but not ready, while the old one still serves.
    var isBeingReplaced: Bool {
        !outdated.isEmpty && current.first.map { $0.state != .ready } == true
    }

    func actions(now: Double, busyGroups: inout Set<String>) -> [ReconcileAction] {
        let slot = desired.slot
        var actions: [ReconcileAction] = []
        guard let running = current.first else {
            if let until = exited.compactMap(\.restartNotBefore).max(), until > now {
                return [.requeue(slot: slot, after: until - now, reason: .crashLoopBackOff)]
            }
            if !exclusive.isEmpty {
                // The new instance could not bind: stop the old one first, start once it is gone.
                return exclusive.filter { $0.state != .draining }
                    .map { .stop(slot: slot, instance: $0.instance, reason: .replaced) }
            }
            if !outdated.isEmpty {
                guard !busyGroups.contains(slot.group) else {
                    return [.requeue(slot: slot, after: 1, reason: .rollingOneAtATime)]
                }
                busyGroups.insert(slot.group)
            }
            actions += exited.map { .forget(slot: slot, instance: $0.instance) }
            actions.append(.start(desired))
            return actions
        }
        actions += exited.map { .forget(slot: slot, instance: $0.instance) }
        actions += current.dropFirst().map { .stop(slot: slot, instance: $0.instance, reason: .replaced) }
        if running.state == .ready {
            actions += outdated.map { .stop(slot: slot, instance: $0.instance, reason: .replaced) }
            if let version = desired.configVersion, running.configVersion != version {
                actions.append(.configure(slot: slot, instance: running.instance, version: version))
            }
        }
        return actions
    }
}
