/// When to restart a process that keeps exiting: capped exponential backoff, reset after a healthy run, as
/// Kubernetes does for CrashLoopBackOff. The first exit after a healthy run restarts at once, as the kubelet does:
/// a sidecar killed once is what its workload's calls wait on, and every second of delay is a second of refused
/// calls; only a second exit in a row starts the waits (1 s, 2 s, 4 s ... capped at 60 s by default).
///
/// A value type without a clock: the caller passes the instants, so tests need no processes and no sleeping.
public struct RestartBackoff: Sendable, Hashable {
    /// The delay after the second exit in a row (the first restarts at once).
    public var initialDelay: Duration
    /// The longest delay.
    public var maximumDelay: Duration
    /// A run at least this long counts as healthy: the next exit starts again from `initialDelay`.
    public var resetAfter: Duration

    /// Exits since the last healthy run (0: none).
    public private(set) var consecutiveFailures = 0
    /// Every exit recorded, healthy or not (what `kubectl get pods` shows as RESTARTS).
    public private(set) var restarts = 0
    /// When the current run started, if one is running.
    public private(set) var startedAt: ContinuousClock.Instant?

    public init(
        initialDelay: Duration = .seconds(1),
        maximumDelay: Duration = .seconds(60),
        resetAfter: Duration = .seconds(60)
    ) {
        precondition(initialDelay > .zero && maximumDelay >= initialDelay, "backoff delays must grow from above zero")
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.resetAfter = resetAfter
    }

    /// The backoff of a slot as an earlier operator left it (its counts were kept with the process record). A run
    /// in progress counts from `runningSince`: the process's real start when the system knows it, else the
    /// restoring operator's first look (then a run is only called healthy once it has lasted `resetAfter` under it).
    public init(restoringRestarts restarts: Int, consecutiveFailures: Int, runningSince: ContinuousClock.Instant?) {
        self.init()
        self.restarts = max(restarts, 0)
        self.consecutiveFailures = max(consecutiveFailures, 0)
        self.startedAt = runningSince
    }

    /// Records that the process (re)started at `instant`.
    public mutating func recordStart(at instant: ContinuousClock.Instant) {
        startedAt = instant
    }

    /// Records that the process exited at `instant`.
    /// - Returns: how long to wait before restarting it.
    public mutating func recordExit(at instant: ContinuousClock.Instant) -> Duration {
        if let startedAt, startedAt.duration(to: instant) >= resetAfter {
            consecutiveFailures = 0
        }
        startedAt = nil
        consecutiveFailures += 1
        restarts += 1
        return delay(afterFailures: consecutiveFailures)
    }

    /// True once a process has failed more than once in a row: what status calls CrashLoopBackOff.
    public var isCrashLooping: Bool { consecutiveFailures > 1 }

    /// Zero after one failure, then `initialDelay * 2^(failures-2)`, capped; computed by doubling so that it cannot
    /// overflow.
    func delay(afterFailures failures: Int) -> Duration {
        guard failures > 1 else { return .zero }
        var delay = initialDelay
        for _ in 2..<failures {
            guard delay < maximumDelay else { break }
            delay = delay * 2
        }
        return min(delay, maximumDelay)
    }
}
