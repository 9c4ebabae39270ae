import Manifests

extension RolloutMachine {
    /// Starts returning traffic to stable: first the stable side back on its revision if a promotion had started
    /// changing it, then a health check of stable (unless it already has all the traffic), then the weights.
    mutating func startRollback(
        _ cause: RolloutRollback.Cause,
        reason: String,
        message: String,
        target: String? = nil,
        now: Double,
        _ out: inout [RolloutAction]
    ) {
        let rollback = RolloutRollback(
            cause: cause,
            reason: reason,
            message: message,
            stableRevision: target ?? state.stableRevision
        )
        state.rollback = rollback
        state.pause = nil
        state.pauseUntil = nil
        state.promoteRequested = false
        state.pendingWebhooks = []
        state.nextConfirmationAt = nil
        state.analysisWindowStart = nil
        state.analysisRequested = false
        state.conditions.set("Progressing", .false, reason, message, now: now)
        event(
            cause == .failed ? .warning : .normal,
            reason,
            "rolling back to \(rollback.stableRevision): \(message)",
            &out
        )
        history("rolling back: \(reason)", now: now)
        if (state.stableSideRevision ?? state.stableRevision) != rollback.stableRevision {
            state.stableSideRevision = rollback.stableRevision
            enter(.rollingBack(.revertingStable), now: now)
            out.append(.promote(revision: rollback.stableRevision))
        } else {
            checkStable(now: now, &out)
        }
    }

    /// Stable runs the right revision: check its health before it takes traffic back, unless it has all of it.
    mutating func checkStable(now: Double, _ out: inout [RolloutAction]) {
        enter(.rollingBack(.checkingStable), now: now)
        if state.weights.stable == 100 && (state.pendingWeights?.stable ?? 100) == 100 {
            // No traffic to move onto stable (at most the preview route to drop): nothing to check first.
            moveTrafficToStable(now: now, &out)
        } else {
            out.append(.checkStableHealthy)
        }
    }

    mutating func moveTrafficToStable(now: Double, _ out: inout [RolloutAction]) {
        state.nextStableCheckAt = nil
        enter(.rollingBack(.movingTraffic), now: now)
        if !requestWeights(.stableOnly, now: now, &out) { finishRollback(now: now, &out) }
    }

    mutating func finishRollback(now: Double, _ out: inout [RolloutAction]) {
        guard let rollback = state.rollback else { return }
        state.rollback = nil
        state.stableSideRevision = nil
        state.nextStableCheckAt = nil
        if rollback.stableRevision != state.stableRevision {
            // Undo of a promotion: the previous stable is stable again, and undo twice comes back.
            state.previousStableRevision = state.stableRevision
            state.stableRevision = rollback.stableRevision
        }
        history("rolled back: traffic on \(rollback.stableRevision)", now: now)
        if case .superseded(let revision) = rollback.cause {
            start(revision, now: now, &out)
            return
        }
        state.stage = .idle
        state.deadlineAt = nil
        state.phase = rollback.cause == .failed ? .failed : .aborted
        state.phaseStartedAt = now
        state.message = "\(rollback.reason): \(rollback.message); stable \(rollback.stableRevision) serves all traffic"
        state.conditions.set("Progressing", .false, rollback.reason, state.message, now: now)
        state.conditions.set("Paused", .false, "NotPaused", "", now: now)
        event(rollback.cause == .failed ? .warning : .normal, "RolledBack", state.message, &out)
    }

    /// The answer to `checkStableHealthy`. Healthy: traffic moves to stable. Unhealthy: traffic stays where it is,
    /// status says why, and stable is looked at again shortly; moving everything onto a broken or cold stable would
    /// turn a partial failure into a full one (argo-rollouts #3888).
    public mutating func stableHealthy(_ healthy: Bool, now: Double) -> [RolloutAction] {
        var out: [RolloutAction] = []
        guard state.stage == .rollingBack(.checkingStable) else { return out }
        if healthy {
            state.conditions.set(
                "StableHealthy",
                .true,
                "Healthy",
                "stable \(state.stableRevision) is healthy",
                now: now
            )
            moveTrafficToStable(now: now, &out)
        } else {
            let wasHealthy = state.conditions["StableHealthy"]?.status != .false
            let message =
                "stable \(state.rollback?.stableRevision ?? state.stableRevision) is unhealthy: traffic held at "
                + "\(state.desiredWeights.stable)/\(state.desiredWeights.canary) until it recovers "
                + "(or `meshctl rollout promote --full` to go forward)"
            state.conditions.set("StableHealthy", .false, "Unhealthy", message, now: now)
            if wasHealthy { event(.warning, "StableUnhealthy", message, &out) }
            state.nextStableCheckAt = now + plan.recheckInterval
        }
        return finish(now: now, &out)
    }

    /// The stable side runs `revision` on every replica and is ready (after a `promote` action).
    public mutating func stableUpdated(revision: String, now: Double) -> [RolloutAction] {
        var out: [RolloutAction] = []
        switch state.stage {
        case .updatingStable where revision == state.revision:
            history("stable runs \(revision)", now: now)
            enter(.returning, now: now)
            if !requestWeights(.stableOnly, now: now, &out) { succeed(now: now, &out) }
        case .rollingBack(.revertingStable) where revision == state.rollback?.stableRevision:
            history("stable back on \(revision)", now: now)
            checkStable(now: now, &out)
        default:
            return out
        }
        return finish(now: now, &out)
    }
}
