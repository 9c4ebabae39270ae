import Manifests
import Testing

@testable import Reconciler

@Suite("rollout: canary progression")
struct RolloutCanaryTests {
    let steps: [Rollout.Step] = [.setWeight(10), .setWeight(50)]

    @Test func aCanaryMovesStepByStepAndIsPromoted() {
        var driver = RolloutDriver(RolloutFixture.canary(steps))
        let started = driver.run { $0.newRevision("r2", now: $1) }
        #expect(driver.state.phase == .initializing)
        #expect(driver.state.revision == "r2")
        // No traffic moves before the new side is ready.
        #expect(started.weights.isEmpty)
        #expect(driver.run { $0.newSideReady(revision: "r2", now: $1) }.weights == [RolloutWeights(canary: 10)])
        #expect(driver.state.phase == .progressing)

        #expect(driver.confirm().contains(.openAnalysisWindow))
        #expect(driver.analyse(RolloutFixture.good).weights == [RolloutWeights(canary: 50)])
        #expect(driver.state.stepIndex == 1)
        driver.confirm()
        // The last step passed: all traffic to the canary, in one config.
        #expect(driver.analyse(RolloutFixture.good).weights == [.newOnly])
        #expect(driver.state.phase == .promoting)
        // Stable takes the new revision only once every sidecar routes everything to the canary.
        #expect(driver.confirm().promotions == ["r2"])
        let updated = driver.run { $0.stableUpdated(revision: "r2", now: $1) }
        #expect(updated.weights == [.stableOnly])
        #expect(driver.state.phase == .promoting)
        driver.confirm()
        #expect(driver.state.phase == .succeeded)
        #expect(driver.state.stableRevision == "r2")
        #expect(driver.state.previousStableRevision == "r1")
        #expect(driver.state.conditions["Completed"]?.status == .true)
    }

    /// argo-rollouts #1826: nothing advances, and no analysis starts, before every sidecar confirmed the weight.
    @Test func nothingAdvancesBeforeTheWeightIsConfirmed() {
        var driver = RolloutDriver(RolloutFixture.canary(steps))
        driver.begin()
        #expect(driver.state.pendingWeights == RolloutWeights(canary: 10))
        // Far past the interval: no analysis is asked for at an unconfirmed weight.
        #expect(!driver.at(30) { $0.tick(now: $1) }.collects)
        // A sample sent anyway is ignored.
        driver.run { $0.analysisResult(RolloutFixture.good(0, 30), now: $1) }
        #expect(driver.state.analysisHistory.isEmpty)
        // A confirmation of other weights (an older config) is ignored.
        #expect(driver.run { $0.weightsConfirmed(.stableOnly, now: $1) }.isEmpty)
        #expect(driver.state.weights == .stableOnly)
        #expect(driver.state.pendingWeights == RolloutWeights(canary: 10))
        // The real confirmation starts the analysis window there and then.
        #expect(driver.confirm().contains(.openAnalysisWindow))
        #expect(driver.state.analysisWindowStart == 30)
        #expect(driver.state.weights == RolloutWeights(canary: 10))
    }

    @Test func aSampleFromBeforeTheConfirmationIsIgnored() {
        var driver = RolloutDriver(RolloutFixture.canary(steps))
        driver.begin()
        driver.at(5) { _, _ in [] }
        driver.confirm()
        #expect(driver.at(15) { $0.tick(now: $1) }.collects)
        // The caller's snapshot predates the confirmation at t=5: traffic of another weight is mixed in.
        driver.run { $0.analysisResult(RolloutFixture.good(0, 15), now: $1) }
        #expect(driver.state.analysisHistory.isEmpty)
        #expect(driver.state.stepIndex == 0)
        driver.run { $0.analysisResult(RolloutFixture.good(5, 15), now: $1) }
        #expect(driver.state.analysisHistory.count == 1)
        #expect(driver.state.stepIndex == 1)
    }

    @Test func aCollectionIsAskedForOncePerWindow() {
        var driver = RolloutDriver(RolloutFixture.canary(steps))
        driver.begin()
        let confirmed = driver.confirm()
        #expect(confirmed.requeue == 10)
        #expect(!driver.at(9.9) { $0.tick(now: $1) }.collects)
        #expect(driver.at(10) { $0.tick(now: $1) }.collects)
        #expect(!driver.at(11) { $0.tick(now: $1) }.collects)
    }

    @Test func inconclusiveHoldsTheWeightAndSaysSo() {
        var driver = RolloutDriver(RolloutFixture.canary(steps))
        driver.begin()
        driver.confirm()
        for _ in 0..<3 {
            #expect(driver.analyse(RolloutFixture.quiet).weights.isEmpty)
        }
        #expect(driver.state.stepIndex == 0)
        #expect(driver.state.weights == RolloutWeights(canary: 10))
        #expect(driver.state.failedChecks == 0)
        #expect(driver.state.inconclusiveChecks == 3)
        #expect(driver.state.phase == .progressing)
        #expect(driver.state.conditions["Analysis"]?.status == .unknown)
        #expect(driver.state.conditions["Analysis"]?.reason == "Inconclusive")
        #expect(
            driver.state.message.contains(
                "holding: last check inconclusive (2 requests in 10s, fewer than minRequests 10)"
            )
        )
        // Traffic comes back: the step passes.
        #expect(driver.analyse(RolloutFixture.good).weights == [RolloutWeights(canary: 50)])
    }

    @Test func failedChecksBelowTheThresholdHoldTheWeight() {
        var driver = RolloutDriver(RolloutFixture.canary(steps))
        driver.begin()
        driver.confirm()
        let failed = driver.analyse(RolloutFixture.bad)
        #expect(failed.reasons.contains("AnalysisFailed"))
        #expect(failed.weights.isEmpty)
        #expect(!failed.checksStable)
        #expect(driver.state.failedChecks == 1)
        #expect(driver.state.phase == .progressing)
        #expect(driver.state.conditions["Analysis"]?.status == .false)
        // A pass afterwards still moves on; failed checks count over the whole attempt (Flagger).
        driver.analyse(RolloutFixture.good)
        #expect(driver.state.stepIndex == 1)
        #expect(driver.state.failedChecks == 1)
    }

    @Test func linearProgressionStepsUpToMaxWeightThenPromotes() {
        var driver = RolloutDriver(RolloutFixture.linear(stepWeight: 20, maxWeight: 50))
        #expect(driver.machine.plan.steps == [.setWeight(20), .setWeight(40), .setWeight(50)])
        var weights = driver.begin().weights
        for _ in 0..<3 {
            driver.confirm()
            weights += driver.analyse(RolloutFixture.good).weights
        }
        #expect(
            weights == [RolloutWeights(canary: 20), RolloutWeights(canary: 40), RolloutWeights(canary: 50), .newOnly]
        )
    }

    @Test func aTimedPauseHoldsForItsDurationWhileAnalysing() {
        var driver = RolloutDriver(RolloutFixture.canary([.setWeight(10), .pause(.seconds(30)), .setWeight(60)]))
        driver.begin()
        driver.confirm()
        driver.analyse(RolloutFixture.good)
        let pauseStart = driver.now
        #expect(driver.state.stepIndex == 1)
        #expect(driver.state.phase == .paused)
        #expect(driver.state.conditions["Paused"]?.status == .true)
        // Analysis goes on during the pause...
        #expect(driver.analyse(RolloutFixture.good).weights.isEmpty)
        #expect(driver.at(pauseStart + 29.9) { $0.tick(now: $1) }.weights.isEmpty)
        // ...and the pause ends on time.
        #expect(driver.at(pauseStart + 30) { $0.tick(now: $1) }.weights == [RolloutWeights(canary: 60)])
        #expect(driver.state.phase == .progressing)
    }

    @Test func aPauseWithoutDurationWaitsForPromoteWithoutDeadline() throws {
        var driver = RolloutDriver(RolloutFixture.canary([.setWeight(10), .pause(nil), .setWeight(60)]))
        driver.begin()
        driver.confirm()
        driver.analyse(RolloutFixture.good)
        #expect(driver.state.phase == .paused)
        #expect(driver.state.pause?.reason == .step)
        // Far beyond the 60 s deadline: a person is awaited, nothing fails or moves.
        #expect(driver.at(10_000) { $0.tick(now: $1) }.weights.isEmpty)
        #expect(driver.state.phase == .paused)
        #expect(throws: RolloutCommandError.self) { try driver.run { try $0.resume(now: $1) } }
        #expect(try driver.run { try $0.promote(full: false, now: $1) }.weights == [RolloutWeights(canary: 60)])
        #expect(driver.state.phase == .progressing)
    }

    @Test func aZeroWeightStepNeedsNoAnalysis() {
        var driver = RolloutDriver(RolloutFixture.canary([.setWeight(10), .setWeight(0), .setWeight(30)]))
        driver.begin()
        driver.confirm()
        driver.analyse(RolloutFixture.good)
        #expect(driver.state.pendingWeights == .stableOnly)
        #expect(driver.confirm().weights == [RolloutWeights(canary: 30)])
    }

    @Test func aWindowEndingAsItsWeightChangesIsNotCollected() {
        var driver = RolloutDriver(RolloutFixture.canary([.setWeight(10), .pause(.seconds(20)), .setWeight(60)]))
        driver.begin()
        driver.confirm()
        driver.analyse(RolloutFixture.good)  // t=10: the pause starts, the window runs on from 10
        driver.analyse(RolloutFixture.good)  // t=20
        // t=30: the window [20, 30] is due just as the pause ends and the weight changes.
        let ended = driver.at(30) { $0.tick(now: $1) }
        #expect(ended.weights == [RolloutWeights(canary: 60)])
        #expect(!ended.collects)
    }
}
