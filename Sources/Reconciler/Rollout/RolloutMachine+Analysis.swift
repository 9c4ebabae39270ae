import Manifests

extension RolloutMachine {
    /// Reports one analysis window, read by the caller after `collectAnalysis`. Ignored unless a collection is
    /// outstanding and the window starts no earlier than the weight it judges was confirmed.
    public mutating func analysisResult(_ sample: AnalysisSample, now: Double) -> [RolloutAction] {
        var out: [RolloutAction] = []
        guard let analysis = plan.analysis, let windowStart = state.analysisWindowStart, state.analysisRequested,
            sample.windowStart >= windowStart
        else { return out }
        state.analysisRequested = false
        // The caller snapshots again when it reads: the next window starts where this one ended.
        state.analysisWindowStart = max(windowStart, sample.windowEnd)
        let result = AnalysisEvaluator.evaluate(analysis, sample)
        let isCanary = plan.strategy == .canary
        state.record(
            AnalysisRecord(
                time: now,
                revision: state.revision ?? "",
                stepIndex: isCanary ? state.stepIndex : -1,
                canaryWeight: isCanary ? state.weights.canary : 0,
                result: result
            )
        )
        let mirrored = state.weights.mirrorRoutes.isEmpty ? "" : " with mirrored copies"
        let subject = isCanary ? "at weight \(state.weights.canary)%\(mirrored)" : "of the preview"
        switch result.outcome {
        case .passed:
            state.consecutiveInconclusive = 0
            state.analysisPassed = true
            state.conditions.set("Analysis", .true, "Passed", "last check \(subject) passed", now: now)
            if state.pause?.reason == .inconclusive {
                state.pause = nil
                resetDeadline(now: now)
                event(.normal, "AnalysisResumed", "a check \(subject) passed: continuing", &out)
            }
        case .failed(let reasons):
            state.consecutiveInconclusive = 0
            state.failedChecks += 1
            let count = "\(state.failedChecks)/\(analysis.threshold) failed checks"
            let message = "check \(subject) failed (\(count)): \(reasons.joined(separator: "; "))"
            state.conditions.set("Analysis", .false, "Failed", message, now: now)
            event(.warning, "AnalysisFailed", message, &out)
            if state.failedChecks >= analysis.threshold {
                startRollback(
                    .failed,
                    reason: "AnalysisFailed",
                    message: "\(count): \(reasons.joined(separator: "; "))",
                    now: now,
                    &out
                )
            }
        case .inconclusive(let reason):
            state.consecutiveInconclusive += 1
            state.inconclusiveChecks += 1
            let message = "check \(subject) inconclusive: \(reason); holding the weight"
            state.conditions.set("Analysis", .unknown, "Inconclusive", message, now: now)
            event(.normal, "AnalysisInconclusive", message, &out)
        }
        return finish(now: now, &out)
    }

    /// Reports the webhooks of one kind after `runWebhook`: `ok` only if all of them answered 2xx. Ignored if no call
    /// of that kind is outstanding.
    public mutating func webhookResult(
        _ kind: Rollout.Webhook.Kind,
        ok: Bool,
        message: String = "",
        now: Double
    ) -> [RolloutAction] {
        var out: [RolloutAction] = []
        guard let index = state.pendingWebhooks.firstIndex(of: kind.rawValue) else { return out }
        state.pendingWebhooks.remove(at: index)
        let detail = message.isEmpty ? "" : ": \(message)"
        switch kind {
        case .preRollout:
            if ok {
                state.preRolloutPassed = true
                event(.normal, "PreRolloutPassed", "pre-rollout webhooks passed", &out)
            } else {
                startRollback(
                    .failed,
                    reason: "PreRolloutWebhookFailed",
                    message: "pre-rollout webhook failed\(detail)",
                    now: now,
                    &out
                )
            }
        case .confirmPromotion:
            guard state.stage == .confirmingPromotion else { break }
            if ok {
                event(.normal, "PromotionConfirmed", "confirm-promotion webhooks passed", &out)
                state.promoteRequested = true
            } else {
                state.nextConfirmationAt = now + plan.recheckInterval
                event(.normal, "WaitingForConfirmation", "confirm-promotion webhook not passing yet\(detail)", &out)
            }
        case .rollback:
            if ok, state.rollback == nil, state.phase.isActive {
                startRollback(
                    .failed,
                    reason: "RollbackWebhook",
                    message: "rollback webhook asked to roll back\(detail)",
                    now: now,
                    &out
                )
            }
        }
        return finish(now: now, &out)
    }

    /// Whether the new side's traffic is being judged now: a canary step (or the confirm-promotion gate) with weight
    /// or mirror routes on the canary, or blue-green's preview until its analysis passed. Never while weights await confirmation.
    var analysisRuns: Bool {
        guard plan.analysis != nil, state.rollback == nil, state.pendingWeights == nil else { return false }
        switch state.stage {
        case .stepping, .confirmingPromotion:
            // Mirrored copies are traffic to judge too, at weight 0.
            return plan.strategy == .canary && (state.weights.canary > 0 || !state.weights.mirrorRoutes.isEmpty)
        case .preview: return state.weights.preview && !state.analysisPassed
        default: return false
        }
    }

    /// Opens a window when analysis should run and none is open (right at the weight's confirmation), closes it when
    /// analysis should stop.
    mutating func syncAnalysisWindow(now: Double, _ out: inout [RolloutAction]) {
        if analysisRuns {
            if state.analysisWindowStart == nil {
                state.analysisWindowStart = now
                state.analysisRequested = false
                out.append(.openAnalysisWindow)
            }
        } else {
            state.analysisWindowStart = nil
            state.analysisRequested = false
            if !rollbackPollRuns {
                state.pendingWebhooks.removeAll { $0 == Rollout.Webhook.Kind.rollback.rawValue }
            }
        }
        if rollbackPollRuns {
            if state.nextRollbackPollAt == nil { state.nextRollbackPollAt = now + plan.interval }
        } else {
            state.nextRollbackPollAt = nil
        }
    }

    /// Blue-green: after the pre-promotion analysis, the preview stays live while a person, the clock or the
    /// confirm-promotion gate decides; the rollback webhooks keep being asked every interval meanwhile, so an
    /// external check can still pull the preview (with a canary they are asked with every analysis window).
    var rollbackPollRuns: Bool {
        plan.strategy == .blueGreen && !plan.webhooks(.rollback).isEmpty && state.rollback == nil
            && (state.stage == .awaitingPromotion || state.stage == .confirmingPromotion)
    }

    /// Asks the rollback webhooks when the blue-green poll is due (and no call is outstanding).
    mutating func pollRollbackIfDue(now: Double, _ out: inout [RolloutAction]) {
        guard rollbackPollRuns, let at = state.nextRollbackPollAt, now >= at else { return }
        state.nextRollbackPollAt = now + plan.interval
        if !state.pendingWebhooks.contains(Rollout.Webhook.Kind.rollback.rawValue) { callWebhook(.rollback, &out) }
    }

    /// When the open window is due for collection; nil without one or with a collection outstanding.
    var analysisDueAt: Double? {
        guard let start = state.analysisWindowStart, !state.analysisRequested else { return nil }
        return start + plan.interval
    }

    /// Asks for the window's sample (and polls the rollback webhooks) once it is due.
    mutating func collectIfDue(now: Double, _ out: inout [RolloutAction]) {
        guard let due = analysisDueAt, now >= due else { return }
        state.analysisRequested = true
        // The rollback webhooks first: a passing verdict on the window may end the analysis (blue-green's preview),
        // and their answer must still count.
        if !plan.webhooks(.rollback).isEmpty && !state.pendingWebhooks.contains(Rollout.Webhook.Kind.rollback.rawValue)
        {
            callWebhook(.rollback, &out)
        }
        out.append(.collectAnalysis)
    }
}
