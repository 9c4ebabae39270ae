import Foundation
import MeshStore
import ProcessRuntime
import Reconciler

/// Restart backoff per slot. The loop keeps it in memory (`backoffs`, `notBefore` on its monotonic clock) and
/// writes it into the slot's process record at every start and exit, with the deadline in wall-clock time: a
/// restarted operator reads it back from the records and keeps a crash-looping replica waiting where the last
/// operator left it, instead of forgetting the backoff and restarting it at once.
extension ReconcileLoop {
    /// Takes over the backoff stored with `record` when this operator has none for the slot yet (its first look
    /// after a restart). A deadline still ahead becomes `notBefore` on the loop's clock. A process still running
    /// counts its run from its real start (the system's record), not from this operator's: a sidecar that had run
    /// for ten minutes and is killed a moment after an operator restart gets the short first delay, not the next
    /// step of a series that its long run had ended.
    func restoreBackoff(from record: StoredProcess, alive: Bool) async {
        let slot = record.slot
        if backoffs[slot] == nil, record.restarts > 0 || record.consecutiveFailures > 0 {
            var runningSince: ContinuousClock.Instant?
            if alive {
                let ran = await runtime.runningTime(of: record.handle) ?? .zero
                runningSince = ContinuousClock.now - ran
            }
            backoffs[slot] = RestartBackoff(restoringRestarts: record.restarts,
                                            consecutiveFailures: record.consecutiveFailures,
                                            runningSince: runningSince)
        }
        if notBefore[slot] == nil, !alive, let deadline = record.restartNotBefore {
            let remaining = deadline.timeIntervalSinceNow
            if remaining > 0 { notBefore[slot] = now + remaining }
        }
    }

    /// An exit of `slot`'s process: the next delay, remembered in memory and returned for the record.
    func recordCrash(of slot: SlotID) -> (delay: Double, backoff: RestartBackoff) {
        var backoff = backoffs[slot] ?? RestartBackoff()
        let delay = backoff.recordExit(at: ContinuousClock.now)
        backoffs[slot] = backoff
        let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
        notBefore[slot] = now + seconds
        return (seconds, backoff)
    }

    /// A new instance of `slot` started: its run counts from now.
    func recordStart(of slot: SlotID) -> RestartBackoff {
        backoffs[slot, default: RestartBackoff()].recordStart(at: ContinuousClock.now)
        notBefore[slot] = nil
        return backoffs[slot] ?? RestartBackoff()
    }
}

extension StoredProcess {
    /// The record carrying `backoff`; `delay` (seconds from now) after an exit, nil while it runs.
    func carrying(_ backoff: RestartBackoff, restartIn delay: Double? = nil) -> StoredProcess {
        var copy = self
        copy.restarts = backoff.restarts
        copy.consecutiveFailures = backoff.consecutiveFailures
        copy.restartNotBefore = delay.map { Date().addingTimeInterval($0) }
        return copy
    }
}
