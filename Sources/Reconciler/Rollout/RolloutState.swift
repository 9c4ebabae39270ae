/// Everything a rollout needs to continue where it was: persisted in the store after every event, so that an
/// operator killed mid-rollout resumes at the same step and weight with the same analysis history
/// (`RolloutMachine(plan:state:)` then `recover(now:)`). Times are seconds on the operator's clock.
public struct RolloutState: Codable, Sendable, Hashable {
    /// How many analysis records and step records are kept.
    public static let historyLimit = 50

    public internal(set) var phase: RolloutPhase = .healthy
    public internal(set) var stage: RolloutStage = .idle
    /// The revision being rolled out, or the last one that was (Succeeded, Failed, Aborted).
    public internal(set) var revision: String?
    /// The revision the stable side serves as released.
    public internal(set) var stableRevision: String
    /// The stable revision before the last promotion: what `undo` returns to.
    public internal(set) var previousStableRevision: String?
    /// Counts `retry`s of the same revision (1 for the first attempt).
    public internal(set) var attempt = 0
    /// Index into the canary steps; equal to their count once all are done.
    public internal(set) var stepIndex = 0
    /// Weights every sidecar confirmed.
    public internal(set) var weights = RolloutWeights.stableOnly
    /// Weights asked for and not yet confirmed by every sidecar; nothing advances until they are.
    public internal(set) var pendingWeights: RolloutWeights?
    /// Failed analysis checks in this attempt; `threshold` of them roll back.
    public internal(set) var failedChecks = 0
    /// Inconclusive checks in this attempt (they never roll back).
    public internal(set) var inconclusiveChecks = 0
    /// Inconclusive checks in a row, reset by any verdict.
    public internal(set) var consecutiveInconclusive = 0
    public internal(set) var analysisHistory: [AnalysisRecord] = []
    /// The current analysis window started here (the weight it judges was confirmed then); nil: no analysis running.
    public internal(set) var analysisWindowStart: Double?
    /// A `collectAnalysis` is outstanding; only then is a sample taken.
    public internal(set) var analysisRequested = false
    /// The current canary step, or blue-green's pre-promotion analysis, has had its passing check.
    public internal(set) var analysisPassed = false
    /// When the current phase started.
    public internal(set) var phaseStartedAt: Double = 0
    /// When the current step (or stage) started: what its deadline counts from.
    public internal(set) var stepStartedAt: Double = 0
    /// Past this time the rollout fails (or, if only inconclusive analysis held it, pauses). nil while a person or the
    /// clock alone is awaited.
    public internal(set) var deadlineAt: Double?
    /// End of a timed pause step.
    public internal(set) var pauseUntil: Double?
    public internal(set) var pause: RolloutPause?
    /// The new side runs `revision` and is ready.
    public internal(set) var newSideReady = false
    public internal(set) var preRolloutPassed = false
    /// Webhook kinds (raw values) called and not yet answered.
    public internal(set) var pendingWebhooks: [String] = []
    /// When the confirm-promotion webhooks are called again after failing.
    public internal(set) var nextConfirmationAt: Double?
    /// Blue-green, waiting for promotion with the preview live: when the rollback webhooks are asked next.
    public internal(set) var nextRollbackPollAt: Double?
    /// `promote` came before the rollout could act on it (blue-green: before the preview analysis passed; the
    /// confirm-promotion webhooks passed while paused): switch as soon as it can.
    public internal(set) var promoteRequested = false
    /// `promote --full` came while initializing: switch as soon as the new side is ready, skipping steps and analysis.
    public internal(set) var fullPromotionRequested = false
    /// Blue-green: the preview became reachable at this time (auto-promotion counts from here or the analysis pass).
    public internal(set) var previewReadyAt: Double?
    /// The stable side was told to run this revision (promotion under way); a rollback must revert it.
    public internal(set) var stableSideRevision: String?
    public internal(set) var rollback: RolloutRollback?
    /// During a rollback: stable was found unhealthy; look again at this time.
    public internal(set) var nextStableCheckAt: Double?
    public internal(set) var stepHistory: [StepRecord] = []
    public internal(set) var conditions: [RolloutCondition] = []
    /// One line saying what the rollout does or waits for.
    public internal(set) var message = ""
    /// The Rollout object's generation this state was last computed from; the caller sets it.
    public var observedGeneration: Int?

    public init(stableRevision: String, now: Double) {
        self.stableRevision = stableRevision
        phaseStartedAt = now
        stepStartedAt = now
        message = "stable serves \(stableRevision)"
    }

    /// The weights sidecars should be configured with now: pending if any, else confirmed. The operator compiles
    /// sidecar configs from this, level-triggered.
    public var desiredWeights: RolloutWeights { pendingWeights ?? weights }

    /// The revision the stable side's processes should run now (level-triggered, like `desiredWeights`): the new
    /// revision from the `promote` action on, the old one again while a rollback reverts it.
    public var stableSideTarget: String { stableSideRevision ?? stableRevision }

    /// The last analysis verdict, for status.
    public var lastAnalysis: AnalysisRecord? { analysisHistory.last }

    mutating func record(_ analysis: AnalysisRecord) {
        analysisHistory.append(analysis)
        if analysisHistory.count > Self.historyLimit {
            analysisHistory.removeFirst(analysisHistory.count - Self.historyLimit)
        }
    }

    mutating func record(_ step: StepRecord) {
        stepHistory.append(step)
        if stepHistory.count > Self.historyLimit { stepHistory.removeFirst(stepHistory.count - Self.historyLimit) }
    }
}
