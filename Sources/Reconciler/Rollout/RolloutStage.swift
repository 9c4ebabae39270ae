/// Where the machine stands, finer than the phase users see; persisted with the state so that a restarted operator
/// continues exactly here.
public enum RolloutStage: Codable, Sendable, Hashable {
    /// No rollout under way.
    case idle
    /// Waiting for the new side to be ready and the pre-rollout webhooks.
    case initializing
    /// Canary steps.
    case stepping
    /// Blue-green: preview routed (or being routed), pre-promotion analysis.
    case preview
    /// Blue-green: preview ready and analysed; waiting for promote or the auto-promotion time.
    case awaitingPromotion
    /// The confirm-promotion webhooks are called until they pass.
    case confirmingPromotion
    /// All traffic to the new side in one confirmed config (blue-green's atomic switch; the canary's last move).
    case switching
    /// Switched; the old version keeps running until this time (`scaleDownDelay`): undo and abort are instant.
    case holdingOld(until: Double)
    /// The stable side is taking the new revision (`promote` action), with no traffic on it.
    case updatingStable
    /// Traffic returning to the stable side, which now runs the new revision.
    case returning
    case rollingBack(RolloutRollback.Step)
}

/// Why and how far a rollback (failure, abort, undo, or a newer revision superseding this one) has come.
public struct RolloutRollback: Codable, Sendable, Hashable {
    public enum Cause: Codable, Sendable, Hashable {
        /// Automatic: analysis, deadline, webhook. Ends in Failed.
        case failed
        /// `meshctl rollout abort`. Ends in Aborted.
        case aborted
        /// `meshctl rollout undo`. Ends in Aborted, stable on the previous revision.
        case undo
        /// A newer revision was applied mid-rollout: back to stable, then start rolling it out.
        case superseded(revision: String)
    }

    public enum Step: String, Codable, Sendable, Hashable {
        /// The stable side is taking back its old revision (it had started taking the new one).
        case revertingStable
        /// Asked whether stable can take the traffic; held here while it cannot.
        case checkingStable
        /// Weights set back to stable; waiting for every sidecar to confirm.
        case movingTraffic
    }

    public var cause: Cause
    /// CamelCase reason for conditions and events, e.g. `AnalysisFailed`, `ProgressDeadlineExceeded`, `Aborted`.
    public var reason: String
    public var message: String
    /// The revision the stable side must run when traffic returns to it.
    public var stableRevision: String

    public init(cause: Cause, reason: String, message: String, stableRevision: String) {
        self.cause = cause
        self.reason = reason
        self.message = message
        self.stableRevision = stableRevision
    }
}

/// A hold that only a person (or, for inconclusive analysis, traffic returning) lifts.
public struct RolloutPause: Codable, Sendable, Hashable {
    public enum Reason: String, Codable, Sendable, Hashable {
        /// `meshctl rollout pause`; `resume` lifts it.
        case command = "PausedByUser"
        /// A pause step without duration; `promote` lifts it.
        case step = "PauseStep"
        /// Analysis stayed inconclusive past the deadline: no traffic is not failure, so a person decides
        /// (`resume` to keep waiting, `promote`, or `abort`); a passing check lifts it too.
        case inconclusive = "InconclusiveAnalysis"
    }

    public var reason: Reason
    public var since: Double

    public init(reason: Reason, since: Double) {
        self.reason = reason
        self.since = since
    }
}
