import Manifests

/// The `readinessProbe` state of each replica, with Kubernetes' rules: not ready until `successThreshold` passes in
/// a row (the first probe comes `initialDelaySeconds` after the replica was first seen, then one every
/// `periodSeconds`); a ready replica stops being ready after `failureThreshold` failures in a row. Not being ready
/// keeps a replica out of every proxy's endpoints; nothing restarts it.
///
/// A value type without a clock: the caller passes `now` (the loop's monotonic seconds), so tests drive it with a
/// fake clock.
struct ReplicaReadiness: Sendable {
    struct Entry: Sendable {
        var probe: Service.ReadinessProbe
        var firstSeen: Double
        var lastProbe: Double?
        var isReady = false
        var passesInARow = 0
        var failuresInARow = 0
        /// Why the last failed probe failed (`GET /ready: 503`), for `meshctl status`.
        var lastFailure: String?
    }

    private(set) var entries: [String: Entry] = [:]

    /// Whether `instance` (a process record id) should be probed at `now`. The first call starts its clock; a
    /// changed probe starts it afresh.
    mutating func isDue(_ instance: String, probe: Service.ReadinessProbe, now: Double) -> Bool {
        if entries[instance]?.probe != probe { entries[instance] = Entry(probe: probe, firstSeen: now) }
        guard let entry = entries[instance] else { return false }
        guard let last = entry.lastProbe else { return now - entry.firstSeen >= Double(probe.initialDelaySeconds) }
        return now - last >= Double(probe.periodSeconds)
    }

    /// Records a probe's result; returns whether the replica is ready now.
    @discardableResult
    mutating func record(_ instance: String, passed: Bool, failure: String? = nil, now: Double) -> Bool {
        guard var entry = entries[instance] else { return false }
        entry.lastProbe = now
        if passed {
            entry.passesInARow += 1
            entry.failuresInARow = 0
            if entry.passesInARow >= entry.probe.successThreshold { entry.isReady = true }
        } else {
            entry.failuresInARow += 1
            entry.passesInARow = 0
            entry.lastFailure = failure
            if entry.failuresInARow >= entry.probe.failureThreshold { entry.isReady = false }
        }
        entries[instance] = entry
        return entry.isReady
    }

    func isReady(_ instance: String) -> Bool { entries[instance]?.isReady == true }

    /// Why `instance` is not ready, when it is tracked and not ready.
    func notReadyReason(_ instance: String) -> String? {
        guard let entry = entries[instance], !entry.isReady else { return nil }
        return entry.lastProbe == nil ? "readinessProbe: not probed yet" : "readinessProbe: \(entry.lastFailure ?? "failing")"
    }

    /// When the next probe of any tracked replica falls due, so that the loop wakes for it.
    func nextDue(after now: Double) -> Double? {
        entries.values.map { entry in
            entry.lastProbe.map { $0 + Double(entry.probe.periodSeconds) }
                ?? entry.firstSeen + Double(entry.probe.initialDelaySeconds)
        }.filter { $0 > now }.min()
    }

    /// Forgets instances no longer running (or whose Service dropped its probe).
    mutating func retain(_ instances: Set<String>) {
        entries = entries.filter { instances.contains($0.key) }
    }
}
