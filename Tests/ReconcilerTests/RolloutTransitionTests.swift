import Manifests
import Testing

@testable import Reconciler

/// The transitions not covered by the scenario suites: readiness, pauses over timed steps, revisions arriving during
/// rollbacks, deadlines of the stages before any analysis.
@Suite("rollout: remaining transitions")
struct RolloutTransitionTests {
    static let steps: [Rollout.Step] = [.setWeight(10), .pause(.seconds(20)), .setWeight(50)]

    @Test func readinessCountsOnlyForTheRevisionBeingRolledOut() {
        var driver = RolloutDriver(RolloutFixture.canary(Self.steps))
        driver.run { $0.newRevision("r2", now: $1) }
        #expect(driver.run { $0.newSideReady(revision: "r1", now: $1) }.isEmpty)
        #expect(driver.state.phase == .initializing)
        #expect(driver.run { $0.newSideReady(revision: "r2", now: $1) }.weights == [RolloutWeights(canary: 10)])
        // Reported again on the next pass: nothing more happens.
        #expect(driver.run { $0.newSideReady(revision: "r2", now: $1) }.isEmpty)
    }

    @Test func aNewSideNeverReadyFailsAtTheDeadlineWithoutMovingTraffic() {
        var driver = RolloutDriver(RolloutFixture.canary(Self.steps, deadline: .seconds(30)))
        driver.run { $0.newRevision("r2", now: $1) }
        let expired = driver.at(30) { $0.tick(now: $1) }
        #expect(!expired.checksStable)
        #expect(driver.state.phase == .failed)
        #expect(driver.state.message.contains("r2 was not ready within 30s"))
        #expect(driver.log.weights.isEmpty)
    }

    @Test func pausingWhileInitializingHoldsEvenOnceReady() throws {
        var driver = RolloutDriver(RolloutFixture.canary(Self.steps, deadline: .seconds(30)))
        driver.run { $0.newRevision("r2", now: $1) }
        try driver.run { try $0.pause(now: $1) }
        #expect(driver.run { $0.newSideReady(revision: "r2", now: $1) }.weights.isEmpty)
        // No deadline while paused.
        driver.at(100) { $0.tick(now: $1) }
        #expect(driver.state.phase == .paused)
        #expect(try driver.run { try $0.resume(now: $1) }.weights == [RolloutWeights(canary: 10)])
    }

    @Test func aUserPauseOverATimedPauseHoldsPastItsEnd() throws {
        var driver = RolloutDriver(RolloutFixture.canary(Self.steps))
        driver.begin()
        driver.confirm()
        driver.analyse(RolloutFixture.good)
        let pauseStart = driver.now
        #expect(driver.state.stepIndex == 1)
        #expect(driver.state.conditions["Paused"]?.reason == "PauseStep")
        try driver.run { try $0.pause(now: $1) }
        #expect(driver.at(pauseStart + 25) { $0.tick(now: $1) }.weights.isEmpty)
        #expect(try driver.run { try $0.resume(now: $1) }.weights == [RolloutWeights(canary: 50)])
    }

    @Test func timedWaitsAskToBeTickedWhenTheyEnd() throws {
        var driver = RolloutDriver(RolloutFixture.canary([.pause(.seconds(20)), .setWeight(50)]))
        #expect(driver.begin().requeue == 20)
        var blueGreen = RolloutDriver(RolloutFixture.blueGreen(scaleDownDelay: .seconds(15)))
        blueGreen.begin()
        blueGreen.confirm()
        try blueGreen.run { try $0.promote(full: false, now: $1) }
        #expect(blueGreen.confirm().requeue == 15)
    }

    @Test func aNewRevisionDuringARollbackStartsOnceTrafficIsBackOnStable() {
        var driver = RolloutDriver(RolloutFixture.canary(Self.steps))
        driver.begin()
        driver.confirm()
        driver.analyse(RolloutFixture.bad)
        driver.analyse(RolloutFixture.bad)
        #expect(driver.state.phase == .rollingBack)
        driver.run { $0.newRevision("r3", now: $1) }
        #expect(driver.state.phase == .rollingBack)
        driver.settle()
        #expect(driver.state.phase == .initializing)
        #expect(driver.state.revision == "r3")
        #expect(driver.state.weights == .stableOnly)
    }

    @Test func abortDuringASupersedingRollbackDoesNotStartTheNewerRevision() throws {
        var driver = RolloutDriver(RolloutFixture.canary(Self.steps))
        driver.begin()
        driver.confirm()
        driver.run { $0.newRevision("r3", now: $1) }
        try driver.run { try $0.abort(now: $1) }
        driver.settle()
        #expect(driver.state.phase == .aborted)
        #expect(driver.state.revision == "r2")
    }

    @Test func aPreviewNeverRoutedFailsAtTheDeadline() {
        var driver = RolloutDriver(RolloutFixture.blueGreen())
        driver.begin()
        driver.at(60) { $0.tick(now: $1) }
        #expect(driver.state.rollback?.message == "sidecars did not confirm weights 100/0 +preview within 60s")
        // Stable never lost its traffic: only the preview route goes, without a health check.
        #expect(driver.state.pendingWeights == .stableOnly)
        driver.confirm()
        #expect(driver.state.phase == .failed)
    }

    @Test func aSucceededRolloutReportsCompletedAndNotProgressing() {
        var driver = RolloutDriver(RolloutFixture.canary([.setWeight(100)]))
        driver.begin()
        driver.confirm()
        // At 100% the switch is already in place: stable takes the revision straight away.
        #expect(driver.analyse(RolloutFixture.good).promotions == ["r2"])
        driver.settle()
        #expect(driver.state.phase == .succeeded)
        #expect(driver.state.conditions["Completed"]?.status == .true)
        #expect(driver.state.conditions["Progressing"]?.status == .false)
        #expect(driver.state.conditions["Paused"]?.status == .false)
        #expect(driver.state.message == "r2 promoted: stable serves it")
    }
}

extension RolloutTransitionTests {
    @Test func promoteOutOfAnInconclusivePreviewKeepsADeadline() throws {
        var driver = RolloutDriver(RolloutFixture.blueGreen(analysis: RolloutFixture.analysis))
        driver.begin()
        driver.confirm()
        driver.at(60) { $0.tick(now: $1) }
        #expect(driver.state.pause?.reason == .inconclusive)
        try driver.at(70) { try $0.promote(full: false, now: $1) }
        // Still waiting for a passing pre-promotion check, within a fresh deadline.
        #expect(driver.state.phase == .preview)
        #expect(driver.state.deadlineAt == 130)
    }
}
