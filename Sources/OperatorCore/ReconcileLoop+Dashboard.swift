import OperatorAPI
import Reconciler

/// What the operator's `/metrics` and dashboard read from the loop: a copy, taken in one hop onto the actor.
extension ReconcileLoop {
    struct DashboardInputs: Sendable {
        var processes: [ProcessView]
        /// Each rollout's machine state as last saved, by rollout name.
        var rollouts: [String: RolloutState]
        var metrics: OperatorMetrics
        var pendingKick: Bool
    }

    func dashboardInputs() -> DashboardInputs {
        DashboardInputs(processes: processViews(), rollouts: rollouts.mapValues(\.state), metrics: metrics,
                        pendingKick: hasPendingKick)
    }

    /// Whether a rollout is under way (the dashboard samples then, viewed or not).
    var hasActiveRollout: Bool { rollouts.values.contains { $0.state.phase.isActive } }

    nonisolated func seconds(since started: ContinuousClock.Instant) -> Double {
        let parts = started.duration(to: .now).components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
