import Manifests
import TrafficPolicy

/// The operator's active health checking of the replicas it runs, as a Service's `healthCheck` asks: a probe every
/// `interval`, each given `timeout`, and `unhealthyThreshold` failures in a row before a replica leaves the
/// endpoints, `healthyThreshold` passes in a row before it comes back (`HealthCheckState`, Envoy's rules).
///
/// Until a replica passes its first check it is probed on every pass, so a new replica takes traffic as soon as it
/// answers (what a Kubernetes startup probe is for); from then on the interval holds. A replica without a
/// `healthCheck` is not tracked here: it is ready while it answers HTTP at all, asked again every 5-10 s once it
/// did (`ProbeSchedule`).
///
/// A value type without a clock: the caller passes `now` (the loop's monotonic seconds), so tests drive it with a
/// fake clock and a fake prober.
struct ReplicaHealth: Sendable {
    /// A Service's check, in the units the loop works in.
    struct Check: Sendable, Hashable {
        var path: String
        /// The service named in a `grpc.health.v1` check; nil for an HTTP check.
        var grpcService: String?
        var interval: Double
        var timeout: Duration
        var healthyThreshold: Int
        var unhealthyThreshold: Int

        init(_ check: Service.HealthCheck) {
            path = check.path
            grpcService = check.grpc?.service
            interval = Double(check.interval.components.seconds)
                + Double(check.interval.components.attoseconds) / 1e18
            timeout = check.timeout
            healthyThreshold = check.healthyThreshold
            unhealthyThreshold = check.unhealthyThreshold
        }
    }

    private struct Entry: Sendable {
        var state: HealthCheckState
        var check: Check
        var lastProbe: Double?
        var hasPassedOnce = false
    }

    /// By process instance (record id): a new instance starts afresh.
    private var entries: [String: Entry] = [:]

    /// Whether `instance` should be probed at `now`: always until it has passed once, then every `interval`.
    func isDue(_ instance: String, check: Check, now: Double) -> Bool {
        guard let entry = entries[instance], entry.check == check, entry.hasPassedOnce, let last = entry.lastProbe
        else { return true }
        return now - last >= check.interval
    }

    /// Records a probe's result; returns whether the replica is healthy now.
    @discardableResult
    mutating func record(_ instance: String, check: Check, passed: Bool, now: Double) -> Bool {
        var entry = entries[instance].flatMap { $0.check == check ? $0 : nil } ?? Entry(
            state: HealthCheckState(healthyThreshold: check.healthyThreshold,
                                    unhealthyThreshold: check.unhealthyThreshold),
            check: check)
        entry.state.record(passed: passed)
        entry.hasPassedOnce = entry.hasPassedOnce || passed
        entry.lastProbe = now
        entries[instance] = entry
        return entry.state.status == .healthy
    }

    /// Whether `instance` is healthy as of its last probe (false before its first).
    func isHealthy(_ instance: String) -> Bool { entries[instance]?.state.status == .healthy }

    /// When the next probe of any tracked replica falls due, so that the loop wakes for it.
    func nextDue(after now: Double) -> Double? {
        entries.values.compactMap { entry in entry.lastProbe.map { $0 + entry.check.interval } }
            .filter { $0 > now }.min()
    }

    /// Forgets instances no longer running.
    mutating func retain(_ instances: Set<String>) {
        entries = entries.filter { instances.contains($0.key) }
    }
}
