import Manifests

extension RolloutMachine {
    /// The new side's spec is now `revision` (a digest of what was applied to the canary or preview service). Call it
    /// on every pass: the same revision again is a no-op, so a Failed rollout is not restarted by itself (that is
    /// `retry`). A different revision mid-rollout supersedes the current one: traffic returns to stable first, then
    /// the new revision starts from its first step.
    public mutating func newRevision(_ revision: String, now: Double) -> [RolloutAction] {
        var out: [RolloutAction] = []
        if revision == state.revision || (state.stage == .idle && revision == state.stableRevision) { return out }
        if revision == state.stableRevision && state.rollback == nil {
            // The new side went back to what stable serves: nothing left to roll out.
            startRollback(
                .aborted,
                reason: "NewRevision",
                message: "the new side is back on stable's \(revision)",
                now: now,
                &out
            )
        } else if state.stage == .idle {
            start(revision, now: now, &out)
        } else if let rollback = state.rollback {
            if rollback.cause != .undo {
                state.rollback?.cause = .superseded(revision: revision)
                event(.normal, "NewRevision", "\(revision) applied: will start once traffic is back on stable", &out)
            }
        } else {
            startRollback(
                .superseded(revision: revision),
                reason: "NewRevision",
                message: "\(revision) applied while \(state.revision ?? "") was rolling out",
                now: now,
                &out
            )
        }
        return finish(now: now, &out)
    }

    /// The new side runs `revision` and all its replicas are ready. Call it on every pass while true; it only matters
    /// while initializing.
    public mutating func newSideReady(revision: String, now: Double) -> [RolloutAction] {
        var out: [RolloutAction] = []
        guard state.stage == .initializing, revision == state.revision, !state.newSideReady else { return out }
        state.newSideReady = true
        event(.normal, "NewSideReady", "\(revision) is ready", &out)
        history("\(revision) ready", now: now)
        return finish(now: now, &out)
    }

    /// Every sidecar routing the service reports the config version carrying `weights`. Confirmations of anything
    /// but the weights awaited are ignored (a late confirmation of an older config must not move anything).
    public mutating func weightsConfirmed(_ weights: RolloutWeights, now: Double) -> [RolloutAction] {
        var out: [RolloutAction] = []
        guard state.pendingWeights == weights else { return out }
        state.pendingWeights = nil
        state.weights = weights
        event(.normal, "WeightsConfirmed", "every sidecar routes \(weights)", &out)
        history("weights \(weights) confirmed", now: now)
        switch state.stage {
        case .switching:
            switched(now: now, &out)
        case .returning:
            succeed(now: now, &out)
        case .rollingBack(.movingTraffic):
            finishRollback(now: now, &out)
        case .preview:
            state.previewReadyAt = now
            resetDeadline(now: now)
        case .stepping:
            // The step's wait for a passing check counts from the confirmation.
            state.stepStartedAt = now
            resetDeadline(now: now)
        default:
            break
        }
        return finish(now: now, &out)
    }

    /// The clock moved: pause ends, auto-promotion, the end of `scaleDownDelay`, re-checks, analysis windows due,
    /// deadlines.
    public mutating func tick(now: Double) -> [RolloutAction] {
        var out: [RolloutAction] = []
        if let deadline = state.deadlineAt, now >= deadline, state.pause == nil, state.phase.isActive {
            deadlineExceeded(now: now, &out)
        }
        if state.stage == .confirmingPromotion, let at = state.nextConfirmationAt, now >= at {
            state.nextConfirmationAt = nil
            callWebhook(.confirmPromotion, &out)
        }
        if state.stage == .rollingBack(.checkingStable), let at = state.nextStableCheckAt, now >= at {
            state.nextStableCheckAt = nil
            out.append(.checkStableHealthy)
        }
        // Step ends and promotions first: a window whose weight is about to change is not collected.
        advance(now: now, &out)
        collectIfDue(now: now, &out)
        pollRollbackIfDue(now: now, &out)
        return finish(now: now, &out)
    }

    /// After an operator restart, with the persisted state: asks again for everything that was awaited (weights,
    /// webhooks, stable update or health), starts a fresh analysis window (the old snapshot died with the process),
    /// and gives the stage a fresh deadline (the operator's downtime is not the rollout's fault).
    public mutating func recover(now: Double) -> [RolloutAction] {
        var out: [RolloutAction] = []
        if let pending = state.pendingWeights { out.append(.setWeights(pending)) }
        for raw in state.pendingWebhooks {
            if let kind = Rollout.Webhook.Kind(rawValue: raw) { out.append(.runWebhook(kind)) }
        }
        switch state.stage {
        case .updatingStable:
            if let revision = state.revision { out.append(.promote(revision: revision)) }
        case .rollingBack(.revertingStable):
            if let revision = state.rollback?.stableRevision { out.append(.promote(revision: revision)) }
        case .rollingBack(.checkingStable):
            state.nextStableCheckAt = nil
            out.append(.checkStableHealthy)
        default:
            break
        }
        if state.analysisWindowStart != nil {
            state.analysisWindowStart = nil
            state.analysisRequested = false
        }
        if state.deadlineAt != nil { state.deadlineAt = now + plan.progressDeadline }
        if state.phase.isActive {
            event(.normal, "Recovered", "operator restarted: continuing \(state.phase.rawValue)", &out)
        }
        return finish(now: now, &out)
    }

    /// Past the stage's deadline. Waiting on analysis that only ever lacked data pauses for a person: no traffic is not
    /// failure. Anything else (weights never confirmed, the new side never ready, a failing check as the last word,
    /// stable never updated) fails and rolls back.
    mutating func deadlineExceeded(now: Double, _ out: inout [RolloutAction]) {
        let seconds = AnalysisEvaluator.format(plan.progressDeadline)
        let waitingOnAnalysis = (state.stage == .stepping || state.stage == .preview) && state.pendingWeights == nil
        let lastVerdictFailed: Bool = {
            guard let last = state.analysisHistory.last, last.time >= state.stepStartedAt else { return false }
            if case .failed = last.result.outcome { return true }
            return false
        }()
        if waitingOnAnalysis && !lastVerdictFailed {
            state.pause = RolloutPause(reason: .inconclusive, since: now)
            state.deadlineAt = nil
            let message =
                "no verdict within progressDeadline \(seconds)s (\(state.consecutiveInconclusive) inconclusive checks in a row): "
                + "holding; resume to keep waiting, promote to go on, abort to roll back"
            state.conditions.set("Analysis", .unknown, "Inconclusive", message, now: now)
            event(.warning, "InconclusiveAnalysis", message, &out)
            return
        }
        startRollback(
            .failed,
            reason: "ProgressDeadlineExceeded",
            message: "\(deadlineWhat()) within \(seconds)s",
            now: now,
            &out
        )
    }

    private func deadlineWhat() -> String {
        if let pending = state.pendingWeights { return "sidecars did not confirm weights \(pending)" }
        switch state.stage {
        case .initializing:
            return state.newSideReady
                ? "pre-rollout webhooks did not answer" : "\(state.revision ?? "the new side") was not ready"
        case .updatingStable: return "stable did not take \(state.revision ?? "the new revision")"
        default: return "the step did not pass analysis"
        }
    }

    /// Ends every event: takes the transitions now due, brings phase, conditions and message up to date, and asks to
    /// be ticked at the next time the machine waits for.
    mutating func finish(now: Double, _ out: inout [RolloutAction]) -> [RolloutAction] {
        advance(now: now, &out)
        syncStatus(now: now)
        if let wake = nextWakeup(), wake.isFinite {
            out.append(.requeue(after: max(0, wake - now)))
        }
        return out
    }

    /// The earliest time something is due by the clock alone.
    func nextWakeup() -> Double? {
        var times: [Double] = []
        if let deadline = state.deadlineAt, state.pause == nil, state.phase.isActive { times.append(deadline) }
        if let due = analysisDueAt { times.append(due) }
        switch state.stage {
        case .stepping:
            if state.pause == nil, let until = state.pauseUntil { times.append(until) }
        case .awaitingPromotion:
            if state.pause == nil, let seconds = plan.autoPromotionSeconds {
                times.append(state.stepStartedAt + seconds)
            }
            if rollbackPollRuns, let at = state.nextRollbackPollAt { times.append(at) }
        case .holdingOld(let until):
            times.append(until)
        case .confirmingPromotion:
            if let at = state.nextConfirmationAt { times.append(at) }
            if rollbackPollRuns, let at = state.nextRollbackPollAt { times.append(at) }
        case .rollingBack(.checkingStable):
            if let at = state.nextStableCheckAt { times.append(at) }
        default:
            break
        }
        return times.min()
    }
}
