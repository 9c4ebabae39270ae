import Foundation
import Manifests
import Testing

@testable import Reconciler

@Suite("rollout: persisted state and status")
struct RolloutStateTests {
    static let steps: [Rollout.Step] = [.setWeight(10), .setWeight(40), .setWeight(70)]

    /// Kill the operator mid-rollout, start it again: same step, same weight, same history, and it carries on.
    @Test func aRestartedOperatorResumesAtTheSameStepAndWeight() throws {
        let spec = RolloutFixture.canary(Self.steps)
        var driver = RolloutDriver(spec)
        driver.begin()
        driver.confirm()
        driver.analyse(RolloutFixture.quiet)
        driver.analyse(RolloutFixture.good)
        #expect(driver.state.pendingWeights == RolloutWeights(canary: 40))

        let stored = try JSONEncoder().encode(driver.state)
        let loaded = try JSONDecoder().decode(RolloutState.self, from: stored)
        #expect(loaded == driver.state)

        var restarted = RolloutMachine(plan: RolloutPlan(spec), state: loaded)
        let recovered = restarted.recover(now: 500)
        // The unconfirmed weight is asked for again, nothing else moves.
        #expect(recovered.weights == [RolloutWeights(canary: 40)])
        #expect(restarted.state.stepIndex == 1)
        #expect(restarted.state.weights == RolloutWeights(canary: 10))
        #expect(restarted.state.analysisHistory == driver.state.analysisHistory)
        #expect(restarted.state.deadlineAt == 560)
        // And carries on from there.
        var resumed = driver
        resumed.machine = restarted
        resumed.now = 500
        #expect(resumed.confirm().contains(.openAnalysisWindow))
        #expect(resumed.analyse(RolloutFixture.good).weights == [RolloutWeights(canary: 70)])
    }

    @Test func aRestartDuringAnalysisOpensAFreshWindow() throws {
        var driver = RolloutDriver(RolloutFixture.canary(Self.steps))
        driver.begin()
        driver.confirm()
        driver.at(8) { $0.tick(now: $1) }
        var restarted = RolloutMachine(plan: driver.machine.plan, state: driver.state)
        let recovered = restarted.recover(now: 50)
        // The snapshot the old window started from died with the operator.
        #expect(recovered.contains(.openAnalysisWindow))
        #expect(restarted.state.analysisWindowStart == 50)
        #expect(recovered.requeue == 10)
    }

    @Test func historiesAreBounded() {
        var driver = RolloutDriver(RolloutFixture.canary(Self.steps, deadline: .seconds(100_000)))
        driver.begin()
        driver.confirm()
        for _ in 0..<(RolloutState.historyLimit + 10) { driver.analyse(RolloutFixture.quiet) }
        #expect(driver.state.analysisHistory.count == RolloutState.historyLimit)
        #expect(driver.state.inconclusiveChecks == RolloutState.historyLimit + 10)
        #expect(driver.state.stepHistory.count <= RolloutState.historyLimit)
    }

    @Test func aConditionsTransitionTimeMovesOnlyWhenItsStatusChanges() {
        var conditions: [RolloutCondition] = []
        conditions.set("Analysis", .unknown, "Inconclusive", "a", now: 1)
        conditions.set("Analysis", .unknown, "Inconclusive", "b", now: 2)
        #expect(conditions["Analysis"]?.lastTransitionTime == 1)
        #expect(conditions["Analysis"]?.message == "b")
        conditions.set("Analysis", .true, "Passed", "c", now: 3)
        #expect(conditions["Analysis"]?.lastTransitionTime == 3)
        #expect(conditions.count == 1)
    }

    @Test func theStatusSummaryShowsStepWeightsAndEachMetricAgainstItsThreshold() {
        var driver = RolloutDriver(RolloutFixture.canary(Self.steps))
        driver.begin()
        driver.confirm()
        driver.analyse { start, end in
            AnalysisSample(windowStart: start, windowEnd: end, requests: 200, successes: 196, latencyMs: [99: 620])
        }
        let status = RolloutStatusSummary(name: "web", machine: driver.machine)
        #expect(status.phase == .progressing)
        #expect(status.step == 1)
        #expect(status.stepCount == 3)
        #expect(status.stepDescription == "setWeight 10")
        #expect(status.weights == RolloutWeights(canary: 10))
        #expect(status.confirmed)
        #expect(status.weightBar(width: 10) == "[=========#] 90/10")
        #expect(
            status.metricLines == [
                "request-success-rate 98% (min 99%) FAIL",
                "request-duration 620ms (max 500ms) FAIL",
            ]
        )
        #expect(status.failedChecks == 1)
        #expect(status.threshold == 2)
        #expect(status.steps.map(\.summary).contains("weights 90/10 confirmed"))
        #expect(status.message == "step 1/3 setWeight 10: analysing (1/2 failed checks)")
    }
}

extension RolloutStateTests {
    @Test func thePlanSaysWhichPercentilesToMeasureAndConvertsDurations() {
        let analysis = Rollout.Analysis(
            interval: .milliseconds(1500),
            metrics: [.successRate(min: 99), .latency(max: .milliseconds(250), percentile: 95)]
        )
        let plan = RolloutPlan(RolloutFixture.canary([.setWeight(10), .pause(.milliseconds(500))], analysis: analysis))
        #expect(plan.latencyPercentiles == [95])
        #expect(plan.interval == 1.5)
        #expect(plan.steps == [.setWeight(10), .pause(0.5)])
        #expect(plan.progressDeadline == 60)
        #expect(RolloutPlan(RolloutFixture.blueGreen()).latencyPercentiles.isEmpty)
    }
}
