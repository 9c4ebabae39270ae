import Foundation
import OperatorAPI
import Reconciler
import Testing

@testable import MeshOperator

/// `meshctl rollout status` text: the deadline as a time of day with a countdown, history at local times of day.
@Suite("rollout status view")
struct RolloutStatusViewTests {
    @Test func theDeadlineIsATimeOfDayWithACountdownAndHistoryTimesAreLocal() {
        let now = Date(timeIntervalSince1970: 1_796_533_150)
        let view = RolloutView(
            phase: "Paused", message: "step 2/3 pause 1m30s until \(HumanTime.timeOfDay(now.addingTimeInterval(42)))",
            strategy: "canary", revision: "rev-b", stableRevision: "rev-a", step: 2, stepCount: 3,
            stepDescription: "pause 1m30s", stableWeight: 90, canaryWeight: 10, confirmed: true, weightBar: "[==#] 90/10",
            metrics: [], failedChecks: 0, threshold: 2, inconclusiveChecks: 0,
            history: ["2026-12-06T04:59:10Z weights 90/10 confirmed"],
            waitingUntil: now.addingTimeInterval(42).formatted(.iso8601))
        let lines = RolloutStatusView.lines(name: "web", view: view, now: now)
        let clock = HumanTime.timeOfDay(now.addingTimeInterval(42))
        #expect(lines.contains("  next    \(clock) (in 42s)"), "\(lines)")
        #expect(lines.contains("    \(HumanTime.timeOfDay(now)) weights 90/10 confirmed"),
                "\(lines)")
        #expect(!lines.joined().contains("1796533"), "no epoch seconds")
    }
}
