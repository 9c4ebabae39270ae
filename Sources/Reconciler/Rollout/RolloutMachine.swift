import Manifests

/// The rollout controller's decisions as a value-type state machine (the shape of swift-nio-extras'
/// `QuiescingHelper`): each `mutating` event method takes what the operator observed, with the time as seconds on
/// its clock, and returns the actions to carry out. No I/O, no clock of its own, deterministic.
///
/// The operator keeps one machine per Rollout, persists `state` after every call, and after a restart rebuilds it
/// with `init(plan:state:)` and calls `recover(now:)`.
///
/// Invariants (docs/rollouts.md has the full table):
/// - weights move in one direction only once every sidecar confirmed them (`weightsConfirmed`); analysis of a
///   weight only counts traffic after its confirmation;
/// - pass, fail and inconclusive are three outcomes; inconclusive holds the weight and never rolls back;
/// - traffic returns to stable only after stable was found healthy (or already had all of it);
/// - every stage that waits on the system has a deadline; stages that wait on a person do not, and `abort` works in
///   every phase.
public struct RolloutMachine: Sendable, Hashable {
    public let plan: RolloutPlan
    public internal(set) var state: RolloutState

    /// A machine for a Rollout whose stable side serves `stableRevision` and that has nothing to roll out yet.
    public init(spec: Rollout.Spec, stableRevision: String, now: Double) {
        self.init(plan: RolloutPlan(spec), state: RolloutState(stableRevision: stableRevision, now: now))
    }

    /// A machine continuing from a persisted state (call `recover(now:)` next).
    public init(plan: RolloutPlan, state: RolloutState) {
        self.plan = plan
        self.state = state
    }

    // MARK: - Starting

    /// A fresh attempt at rolling out `revision` (a new revision, or `retry` of the same one).
    mutating func start(_ revision: String, now: Double, _ out: inout [RolloutAction]) {
        let isRetry = state.revision == revision
        state.revision = revision
        state.attempt = isRetry ? state.attempt + 1 : 1
        state.stepIndex = 0
        state.failedChecks = 0
        state.inconclusiveChecks = 0
        state.consecutiveInconclusive = 0
        state.analysisPassed = false
        state.analysisWindowStart = nil
        state.analysisRequested = false
        state.pauseUntil = nil
        state.pause = nil
        state.newSideReady = false
        state.preRolloutPassed = plan.webhooks(.preRollout).isEmpty
        state.pendingWebhooks = []
        state.nextConfirmationAt = nil
        state.promoteRequested = false
        state.fullPromotionRequested = false
        state.previewReadyAt = nil
        state.stableSideRevision = nil
        state.rollback = nil
        state.nextStableCheckAt = nil
        state.conditions.set("Completed", .false, "NewRevision", "rolling out \(revision)", now: now)
        state.conditions.set("Progressing", .true, "NewRevision", "rolling out \(revision)", now: now)
        state.conditions.set("StableHealthy", .unknown, "NotChecked", "", now: now)
        let what = isRetry ? "retrying \(revision) (attempt \(state.attempt))" : "rolling out \(revision)"
        event(.normal, isRetry ? "Retry" : "NewRevision", "\(what) over stable \(state.stableRevision)", &out)
        history("\(what)", now: now)
        enter(.initializing, now: now)
        if !state.preRolloutPassed { callWebhook(.preRollout, &out) }
    }

    // MARK: - Advancing

    /// Takes every transition whose conditions now hold, stage after stage (level-triggered: the same state always
    /// leads to the same place), then opens or closes the analysis window to match.
    mutating func advance(now: Double, _ out: inout [RolloutAction]) {
        // Bounded: each pass either changes stage or step, or stops; there are fewer stages and steps than this.
        for _ in 0..<(plan.steps.count * 2 + 32) {
            guard advanceOnce(now: now, &out) else { break }
        }
        syncAnalysisWindow(now: now, &out)
    }

    /// One transition if one is due; true if something changed.
    private mutating func advanceOnce(now: Double, _ out: inout [RolloutAction]) -> Bool {
        switch state.stage {
        case .idle, .switching, .updatingStable, .returning, .rollingBack:
            // These move on events (confirmations, stable updated/healthy), never on their own.
            return false
        case .initializing:
            guard state.newSideReady, state.preRolloutPassed, state.pause == nil else { return false }
            if state.fullPromotionRequested {
                enterSwitching(now: now, &out)
            } else if plan.strategy == .blueGreen {
                enter(.preview, now: now)
                requestWeights(RolloutWeights(stable: 100, canary: 0, preview: true), now: now, &out)
            } else {
                enter(.stepping, now: now)
                beginStep(now: now, &out)
            }
            return true
        case .stepping:
            return advanceStepping(now: now, &out)
        case .preview:
            guard state.pendingWeights == nil, state.weights.preview else { return false }
            guard plan.analysis == nil || state.analysisPassed else { return false }
            enter(.awaitingPromotion, now: now)
            history("preview ready\(plan.analysis == nil ? "" : ", pre-promotion analysis passed")", now: now)
            return true
        case .awaitingPromotion:
            guard state.pause == nil else { return false }
            if state.promoteRequested || autoPromotionDue(now: now) {
                if !state.promoteRequested { event(.normal, "AutoPromotion", "autoPromotionSeconds elapsed", &out) }
                enterPromotionGate(now: now, &out)
                return true
            }
            return false
        case .confirmingPromotion:
            // The webhooks passed while paused: switch once resumed.
            guard state.promoteRequested, state.pause == nil else { return false }
            enterSwitching(now: now, &out)
            return true
        case .holdingOld(let until):
            guard now >= until else { return false }
            enterUpdatingStable(now: now, &out)
            return true
        }
    }

    private mutating func advanceStepping(now: Double, _ out: inout [RolloutAction]) -> Bool {
        guard state.pendingWeights == nil else { return false }
        guard state.stepIndex < plan.steps.count else {
            guard state.pause == nil else { return false }
            enterPromotionGate(now: now, &out)
            return true
        }
        switch plan.steps[state.stepIndex] {
        case .setWeight(let weight):
            // Weight 0 sends nothing to judge: the step is done once confirmed.
            guard state.pause == nil, state.weights.canary == weight, weight == 0 || state.analysisPassed else {
                return false
            }
        case .pause(nil):
            if state.pause == nil {
                state.pause = RolloutPause(reason: .step, since: now)
                event(.normal, "Paused", "step \(state.stepIndex + 1): waiting for promote", &out)
            }
            return false
        case .pause(_?):
            guard state.pause == nil, let until = state.pauseUntil, now >= until else { return false }
        case .setHeaderRoute:
            // Done once every sidecar routes it (no pending weights); nothing to judge, no user traffic moved.
            guard state.pause == nil else { return false }
        case .setMirrorRoute(let route):
            // Adding: the copies are what is judged, so done after one passing check on them (no user traffic is
            // at risk meanwhile). Removing: done once every sidecar routes without it.
            guard state.pause == nil, route.matches.isEmpty || state.analysisPassed else { return false }
        }
        completeStep(now: now, &out)
        return true
    }

    /// Marks the current step done and begins the next.
    mutating func completeStep(now: Double, skipped: Bool = false, _ out: inout [RolloutAction]) {
        if state.stepIndex < plan.steps.count {
            let step = plan.steps[state.stepIndex]
            history(
                "step \(state.stepIndex + 1)/\(plan.steps.count) \(step) \(skipped ? "skipped by promote" : "done")",
                now: now
            )
        }
        state.stepIndex += 1
        state.analysisPassed = false
        state.pauseUntil = nil
        if state.pause?.reason == .step { state.pause = nil }
        state.stepStartedAt = now
        beginStep(now: now, &out)
    }

    /// Sets up the current step: its weight, its pause end, its deadline.
    private mutating func beginStep(now: Double, _ out: inout [RolloutAction]) {
        state.stepStartedAt = now
        resetDeadline(now: now)
        guard state.stepIndex < plan.steps.count else { return }
        switch plan.steps[state.stepIndex] {
        case .setWeight(let weight):
            // Header and mirror routes set by earlier steps stay until removed, promotion or rollback (Argo).
            requestWeights((state.pendingWeights ?? state.weights).withCanary(weight), now: now, &out)
        case .setHeaderRoute(let route):
            requestWeights((state.pendingWeights ?? state.weights).setting(route), now: now, &out)
        case .setMirrorRoute(let route):
            requestWeights((state.pendingWeights ?? state.weights).setting(route), now: now, &out)
        case .pause(let seconds):
            state.pauseUntil = seconds.map { now + $0 }
        }
    }

    /// Before the switch: the confirm-promotion gate if there is one (and no `promote --full`), else the switch.
    mutating func enterPromotionGate(now: Double, _ out: inout [RolloutAction]) {
        state.promoteRequested = false
        if plan.webhooks(.confirmPromotion).isEmpty {
            enterSwitching(now: now, &out)
        } else {
            enter(.confirmingPromotion, now: now)
            callWebhook(.confirmPromotion, &out)
        }
    }

    /// All traffic to the new side in one config.
    mutating func enterSwitching(now: Double, _ out: inout [RolloutAction]) {
        state.pause = nil
        state.pendingWebhooks.removeAll { $0 == Rollout.Webhook.Kind.confirmPromotion.rawValue }
        state.nextConfirmationAt = nil
        state.promoteRequested = false
        state.fullPromotionRequested = false
        enter(.switching, now: now)
        event(.normal, "Promoting", "switching all traffic to \(state.revision ?? "the new side")", &out)
        if !requestWeights(.newOnly, now: now, &out) { switched(now: now, &out) }
    }

    /// The switch is confirmed: keep the old version for `scaleDownDelay`, then update stable.
    mutating func switched(now: Double, _ out: inout [RolloutAction]) {
        history("switched: all traffic on \(state.revision ?? "the new side")", now: now)
        if plan.scaleDownDelay > 0 {
            enter(.holdingOld(until: now + plan.scaleDownDelay), now: now)
        } else {
            enterUpdatingStable(now: now, &out)
        }
    }

    mutating func enterUpdatingStable(now: Double, _ out: inout [RolloutAction]) {
        guard let revision = state.revision else { return }
        enter(.updatingStable, now: now)
        state.stableSideRevision = revision
        out.append(.promote(revision: revision))
        history("stable taking \(revision)", now: now)
    }

    mutating func succeed(now: Double, _ out: inout [RolloutAction]) {
        guard let revision = state.revision else { return }
        state.previousStableRevision = state.stableRevision
        state.stableRevision = revision
        state.stableSideRevision = nil
        state.stage = .idle
        state.deadlineAt = nil
        state.phase = .succeeded
        state.phaseStartedAt = now
        state.message = "\(revision) promoted: stable serves it"
        state.conditions.set("Completed", .true, "Succeeded", state.message, now: now)
        state.conditions.set("Progressing", .false, "Succeeded", state.message, now: now)
        state.conditions.set("Paused", .false, "NotPaused", "", now: now)
        event(.normal, "Succeeded", state.message, &out)
        history("succeeded", now: now)
    }

    // MARK: - Small helpers

    /// Enters a stage: its start time and deadline.
    mutating func enter(_ stage: RolloutStage, now: Double) {
        state.stage = stage
        state.stepStartedAt = now
        resetDeadline(now: now)
    }

    /// Sets the deadline the current stage has, counted from now: stages waiting on the system have one; those
    /// waiting on a person (or only on the clock) have none.
    mutating func resetDeadline(now: Double) {
        let waitsOnSystem: Bool
        switch state.stage {
        case .initializing, .preview, .switching, .updatingStable, .returning: waitsOnSystem = true
        case .stepping:
            if state.stepIndex < plan.steps.count, case .pause = plan.steps[state.stepIndex] {
                waitsOnSystem = state.pendingWeights != nil
            } else {
                waitsOnSystem = true
            }
        case .idle, .awaitingPromotion, .confirmingPromotion, .holdingOld, .rollingBack: waitsOnSystem = false
        }
        state.deadlineAt = waitsOnSystem ? now + plan.progressDeadline : nil
    }

    /// Asks for new weights unless every sidecar already has them. True if a confirmation is now awaited.
    @discardableResult
    mutating func requestWeights(_ weights: RolloutWeights, now: Double, _ out: inout [RolloutAction]) -> Bool {
        if state.pendingWeights == nil && state.weights == weights { return false }
        if state.pendingWeights == weights { return true }
        state.pendingWeights = weights
        // A window must not straddle two weights.
        state.analysisWindowStart = nil
        state.analysisRequested = false
        out.append(.setWeights(weights))
        return true
    }

    mutating func callWebhook(_ kind: Rollout.Webhook.Kind, _ out: inout [RolloutAction]) {
        if !state.pendingWebhooks.contains(kind.rawValue) { state.pendingWebhooks.append(kind.rawValue) }
        out.append(.runWebhook(kind))
    }

    func autoPromotionDue(now: Double) -> Bool {
        guard let seconds = plan.autoPromotionSeconds, state.stage == .awaitingPromotion else { return false }
        return now >= state.stepStartedAt + seconds
    }

    func event(_ type: RolloutEvent.Kind, _ reason: String, _ message: String, _ out: inout [RolloutAction]) {
        out.append(.recordEvent(RolloutEvent(type, reason, message)))
    }

    mutating func history(_ summary: String, now: Double) {
        let index = state.stage == .stepping && state.stepIndex < plan.steps.count ? state.stepIndex : nil
        state.record(
            StepRecord(time: now, revision: state.revision ?? state.stableRevision, stepIndex: index, summary: summary)
        )
    }
}
