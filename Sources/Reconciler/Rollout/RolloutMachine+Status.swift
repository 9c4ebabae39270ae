import Manifests

extension RolloutMachine {
    /// Brings the phase, the Paused condition and the message in line with the stage (at rest, the phase and message
    /// set when the rollout ended stay).
    mutating func syncStatus(now: Double) {
        guard state.stage != .idle else { return }
        let phase = currentPhase
        if phase != state.phase {
            state.phase = phase
            state.phaseStartedAt = now
        }
        if let pause = state.pause {
            state.conditions.set("Paused", .true, pause.reason.rawValue, pauseMessage(pause), now: now)
        } else if phase == .paused {
            state.conditions.set("Paused", .true, RolloutPause.Reason.step.rawValue, currentMessage, now: now)
        } else {
            state.conditions.set("Paused", .false, "NotPaused", "", now: now)
        }
        state.message = currentMessage
    }

    var currentPhase: RolloutPhase {
        if state.pause != nil { return .paused }
        switch state.stage {
        case .idle: return state.phase
        case .initializing: return .initializing
        case .stepping:
            if state.stepIndex < plan.steps.count, case .pause(_?) = plan.steps[state.stepIndex],
                state.pendingWeights == nil
            {
                return .paused
            }
            return .progressing
        case .preview: return .preview
        case .awaitingPromotion, .confirmingPromotion: return .waitingPromotion
        case .switching, .holdingOld, .updatingStable, .returning: return .promoting
        case .rollingBack: return .rollingBack
        }
    }

    private func pauseMessage(_ pause: RolloutPause) -> String {
        switch pause.reason {
        case .command: "paused by `meshctl rollout pause`; `resume` to continue"
        case .step: "step \(state.stepIndex + 1)/\(plan.steps.count): paused until `meshctl rollout promote`"
        case .inconclusive:
            "analysis inconclusive past the deadline: no traffic is not failure; resume, promote or abort"
        }
    }

    /// One line: what the rollout does or waits for right now.
    var currentMessage: String {
        let revision = state.revision ?? "?"
        if let pause = state.pause { return pauseMessage(pause) }
        if let pending = state.pendingWeights {
            return "waiting for every sidecar to confirm weights \(pending) (stable/new)"
        }
        let step = "step \(min(state.stepIndex + 1, plan.steps.count))/\(plan.steps.count)"
        switch state.stage {
        case .idle:
            return state.message
        case .initializing:
            if !state.newSideReady { return "waiting for \(revision) to be ready" }
            return "waiting for the pre-rollout webhooks"
        case .stepping:
            guard state.stepIndex < plan.steps.count else { return "steps done" }
            switch plan.steps[state.stepIndex] {
            case .setWeight(let weight):
                return "\(step) setWeight \(weight): " + analysisProgress
            case .pause(let seconds):
                let until = state.pauseUntil.map { " until \(HumanTime.timeOfDay($0))" } ?? ""
                return "\(step) pause \(seconds.map(HumanTime.duration) ?? "")\(until)"
            case .setHeaderRoute(let route):
                return "\(step) \(RolloutStep.setHeaderRoute(route))"
            case .setMirrorRoute(let route):
                return "\(step) \(RolloutStep.setMirrorRoute(route))" + (route.matches.isEmpty ? "" : ": " + analysisProgress)
            }
        case .preview:
            return "preview of \(revision) reachable with \(plan.previewAccess ?? "the preview route"); "
                + (plan.analysis == nil ? "no analysis" : analysisProgress)
        case .awaitingPromotion:
            let ready = "preview ready (\(plan.previewAccess ?? "preview route"))"
            if let seconds = plan.autoPromotionSeconds {
                return "\(ready); auto-promotion at \(HumanTime.timeOfDay(state.stepStartedAt + seconds))"
            }
            return "\(ready); waiting for `meshctl rollout promote`"
        case .confirmingPromotion:
            return "waiting for the confirm-promotion webhooks to pass"
        case .switching:
            return "switching all traffic to \(revision)"
        case .holdingOld(let until):
            return "switched; old version kept until \(HumanTime.timeOfDay(until)) (undo/abort are instant)"
        case .updatingStable:
            return "stable taking \(revision)"
        case .returning:
            return "traffic returning to stable, now on \(revision)"
        case .rollingBack(let step):
            let target = state.rollback?.stableRevision ?? state.stableRevision
            let why = state.rollback.map { "\($0.reason): \($0.message)" } ?? ""
            switch step {
            case .revertingStable: return "\(why); stable going back to \(target)"
            case .checkingStable:
                if state.nextStableCheckAt != nil, let condition = state.conditions["StableHealthy"] {
                    return condition.message
                }
                return "\(why); checking stable \(target) before moving traffic"
            case .movingTraffic: return "\(why); moving traffic to stable \(target)"
            }
        }
    }

    /// The wall-clock time the rollout waits for on its own, if any: the end of a timed pause, the auto-promotion,
    /// the end of the old version's hold. Status shows it as a time of day and a countdown.
    var waitingUntil: Double? {
        guard state.pause == nil, state.pendingWeights == nil else { return nil }
        switch state.stage {
        case .stepping:
            guard state.stepIndex < plan.steps.count, case .pause = plan.steps[state.stepIndex] else { return nil }
            return state.pauseUntil
        case .awaitingPromotion:
            return plan.autoPromotionSeconds.map { state.stepStartedAt + $0 }
        case .holdingOld(let until):
            return until
        default:
            return nil
        }
    }

    private var analysisProgress: String {
        guard let analysis = plan.analysis else { return "analysing" }
        var text = "analysing (\(state.failedChecks)/\(analysis.threshold) failed checks)"
        if state.consecutiveInconclusive > 0, case .inconclusive(let reason)? = state.lastAnalysis?.result.outcome {
            text += "; holding: last check inconclusive (\(reason))"
        }
        return text
    }
}
