/// `meshctl rollout promote|abort|pause|resume|retry|undo`. A command that does not apply throws
/// `RolloutCommandError` and leaves the state as it was; the message says what would work.
extension RolloutMachine {
    /// Skips the current wait: the current canary step (a pause, or a weight waiting for its passing check), the
    /// blue-green wait for promotion (after the pre-promotion analysis, if it still runs), a pause of any kind.
    /// `full` skips every remaining step, the analysis and the confirm-promotion gate, and switches now; it also goes
    /// forward from a rollback held by an unhealthy stable.
    public mutating func promote(full: Bool, now: Double) throws(RolloutCommandError) -> [RolloutAction] {
        let command = full ? "promote --full" : "promote"
        var out: [RolloutAction] = []
        switch state.stage {
        case .idle:
            throw reject(command, "no rollout under way")
        case .initializing:
            guard full else {
                throw reject(
                    command,
                    "nothing to skip yet: \(currentMessage); `promote --full` switches once it is ready"
                )
            }
            state.pause = nil
            event(.normal, "PromoteFull", "promote --full: switching as soon as \(state.revision ?? "") is ready", &out)
            // Ready and pre-rollout checks still hold; the steps and analysis are skipped.
            state.fullPromotionRequested = true
        case .stepping, .preview, .awaitingPromotion, .confirmingPromotion:
            if !full && state.stage == .confirmingPromotion {
                throw reject(command, "waiting for the confirm-promotion webhooks; `promote --full` overrides them")
            }
            state.pause = nil
            resetDeadline(now: now)
            if full {
                event(.normal, "PromoteFull", "promote --full: skipping remaining steps and analysis", &out)
                enterSwitching(now: now, &out)
            } else if state.stage == .stepping {
                event(.normal, "Promote", "promote: skipping step \(min(state.stepIndex + 1, plan.steps.count))", &out)
                if state.stepIndex < plan.steps.count {
                    completeStep(now: now, skipped: true, &out)
                }
            } else {
                event(.normal, "Promote", "promote: switching once the preview is ready and analysed", &out)
                state.promoteRequested = true
            }
        case .switching, .holdingOld, .updatingStable, .returning:
            throw reject(command, "already promoting")
        case .rollingBack(let step):
            guard full, step == .checkingStable, state.nextStableCheckAt != nil, state.stableSideRevision == nil,
                let rollback = state.rollback, rollback.cause != .undo
            else {
                throw reject(command, "rolling back; only `promote --full` while stable is unhealthy goes forward")
            }
            state.rollback = nil
            state.nextStableCheckAt = nil
            event(
                .warning,
                "PromoteFull",
                "promote --full: stable is unhealthy, going forward to \(state.revision ?? "")",
                &out
            )
            enterSwitching(now: now, &out)
        }
        return finish(now: now, &out)
    }

    /// Returns traffic to stable now (after checking stable is healthy) and ends in Aborted. Works in every phase
    /// with a rollout under way, promoting included; during a rollback it is a no-op.
    public mutating func abort(now: Double) throws(RolloutCommandError) -> [RolloutAction] {
        var out: [RolloutAction] = []
        switch state.stage {
        case .idle:
            let hint = state.phase == .succeeded ? "; `undo` returns to the previous revision" : ""
            throw reject("abort", "no rollout under way\(hint)")
        case .rollingBack:
            if case .superseded? = state.rollback?.cause {
                state.rollback?.cause = .aborted
                state.rollback?.reason = "Aborted"
                event(.normal, "Aborted", "abort: the newer revision will not start", &out)
            }
        default:
            startRollback(.aborted, reason: "Aborted", message: "aborted by `meshctl rollout abort`", now: now, &out)
        }
        return finish(now: now, &out)
    }

    /// Freezes progression (analysis goes on: failures still roll back). Not while promoting or rolling back.
    public mutating func pause(now: Double) throws(RolloutCommandError) -> [RolloutAction] {
        var out: [RolloutAction] = []
        switch state.stage {
        case .initializing, .stepping, .preview, .awaitingPromotion, .confirmingPromotion:
            if state.pause?.reason == .command { return out }
            state.pause = RolloutPause(reason: .command, since: now)
            state.deadlineAt = nil
            event(.normal, "Paused", "paused by `meshctl rollout pause`", &out)
        case .idle:
            throw reject("pause", "no rollout under way")
        case .switching, .holdingOld, .updatingStable, .returning:
            throw reject("pause", "promotion is under way; `abort` returns to stable")
        case .rollingBack:
            throw reject("pause", "rolling back")
        }
        return finish(now: now, &out)
    }

    /// Lifts a pause by `pause`, or by inconclusive analysis past the deadline; the stage gets a fresh deadline. A
    /// pause step without duration is lifted by `promote`.
    public mutating func resume(now: Double) throws(RolloutCommandError) -> [RolloutAction] {
        var out: [RolloutAction] = []
        guard let pause = state.pause else { throw reject("resume", "not paused") }
        guard pause.reason != .step else { throw reject("resume", "paused at a pause step; `promote` continues") }
        state.pause = nil
        resetDeadline(now: now)
        event(.normal, "Resumed", "resumed", &out)
        return finish(now: now, &out)
    }

    /// Starts a Failed or Aborted rollout again, from its first step, without a spec change (flagger #1152).
    public mutating func retry(now: Double) throws(RolloutCommandError) -> [RolloutAction] {
        var out: [RolloutAction] = []
        guard state.stage == .idle, state.phase == .failed || state.phase == .aborted, let revision = state.revision,
            revision != state.stableRevision
        else { throw reject("retry", "only a Failed or Aborted rollout can be retried") }
        start(revision, now: now, &out)
        return finish(now: now, &out)
    }

    /// Mid-rollout: the same as abort. At rest: the stable side goes back to the previous stable revision (a
    /// second undo comes back).
    public mutating func undo(now: Double) throws(RolloutCommandError) -> [RolloutAction] {
        var out: [RolloutAction] = []
        switch state.stage {
        case .rollingBack:
            throw reject("undo", "already rolling back")
        case .idle:
            guard let previous = state.previousStableRevision else {
                throw reject("undo", "no previous stable revision to return to")
            }
            startRollback(.undo, reason: "Undo", message: "undo: back to \(previous)", target: previous, now: now, &out)
        default:
            startRollback(.undo, reason: "Undo", message: "undo: back to \(state.stableRevision)", now: now, &out)
        }
        return finish(now: now, &out)
    }

    private func reject(_ command: String, _ message: String) -> RolloutCommandError {
        RolloutCommandError(command: command, phase: state.phase, message: message)
    }
}
