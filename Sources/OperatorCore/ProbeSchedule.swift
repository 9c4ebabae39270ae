/// When a full pass asks a running proxy's admin endpoint (or a workload without a `healthCheck`) again.
///
/// A proxy's version changes only through the operator's own pushes, and every process is looked at through /proc
/// on every full pass (an exit or a kill -9 is seen at once). So a proxy whose version is known — it answered a
/// probe, or answered 200 to a push — is asked again only after a recheck interval, which catches a proxy that hangs
/// while alive; a workload without a health check that answered is likewise asked again after the interval (one
/// with a `healthCheck` follows its own interval, `ReplicaHealth`). The interval is drawn between its bounds at each
/// answer, so the 2 s passes share the probes of a large mesh instead of asking all of its 400 processes in one
/// burst. One that did not answer (a probe or a push) is asked on the next pass, and one never heard from on every
/// pass until it answers.
///
/// A value type without a clock: the caller passes `now` (the loop's monotonic seconds).
struct ProbeSchedule: Sendable {
    /// Seconds until a proxy that answered is asked again, drawn from this range.
    let recheck: ClosedRange<Double>
    /// By process instance (record id): when it is due again.
    private var due: [String: Double] = [:]

    init(recheck: ClosedRange<Double> = 5...10) {
        self.recheck = recheck
    }

    /// Whether `instance` should be asked at `now`.
    func isDue(_ instance: String, now: Double) -> Bool {
        due[instance].map { now >= $0 } ?? true
    }

    /// It answered (a probe, or a push with 200): its version is known until the next recheck.
    mutating func answered(_ instance: String, now: Double) {
        due[instance] = now + Double.random(in: recheck)
    }

    /// It did not answer: ask it on the next pass.
    mutating func lost(_ instance: String) {
        due[instance] = nil
    }

    /// Forgets instances no longer recorded.
    mutating func retain(_ instances: Set<String>) {
        due = due.filter { instances.contains($0.key) }
    }
}
