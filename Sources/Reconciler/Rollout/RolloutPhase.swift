/// What `meshctl rollout status` shows first. Flagger's and Argo Rollouts' names where they exist.
public enum RolloutPhase: String, Codable, Sendable, Hashable, CaseIterable {
    /// Nothing rolled out since the Rollout was created; stable serves everything.
    case healthy = "Healthy"
    /// A new revision was seen: waiting for the new side to be ready and the pre-rollout webhooks to pass.
    case initializing = "Initializing"
    /// Canary: moving through the steps, analysing at each weight.
    case progressing = "Progressing"
    /// Held: by `meshctl rollout pause`, by a pause step, or because analysis stayed inconclusive past the deadline.
    case paused = "Paused"
    /// Blue-green: the new version is reachable as a preview only; pre-promotion analysis runs.
    case preview = "Preview"
    /// Waiting for `promote`, the auto-promotion time, or a passing confirm-promotion webhook.
    case waitingPromotion = "WaitingPromotion"
    /// Traffic switching to the new side, the old version kept for `scaleDownDelay`, stable taking the new revision.
    case promoting = "Promoting"
    /// Traffic returning to stable after a failure, abort or undo (held here while stable is unhealthy).
    case rollingBack = "RollingBack"
    case succeeded = "Succeeded"
    /// Rolled back automatically (analysis, deadline, webhook); `retry` starts again.
    case failed = "Failed"
    /// Rolled back by `abort` or `undo`; `retry` starts again.
    case aborted = "Aborted"

    /// A rollout is under way (any phase but the four at rest).
    public var isActive: Bool {
        switch self {
        case .healthy, .succeeded, .failed, .aborted: false
        default: true
        }
    }
}
