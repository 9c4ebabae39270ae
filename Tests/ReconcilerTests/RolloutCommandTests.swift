import Manifests
import Testing

@testable import Reconciler

@Suite("rollout: commands")
struct RolloutCommandTests {
    static let steps: [Rollout.Step] = [.setWeight(10), .setWeight(30), .pause(nil), .setWeight(60)]

    @Test func retryRestartsAFailedRolloutWithoutASpecChange() throws {
        var driver = RolloutDriver(RolloutFixture.canary(Self.steps))
        driver.begin()
        driver.confirm()
        driver.analyse(RolloutFixture.bad)
        driver.analyse(RolloutFixture.bad)
        driver.settle()
        #expect(driver.state.phase == .failed)
        #expect(driver.state.failedChecks == 2)
        try driver.run { try $0.retry(now: $1) }
        #expect(driver.state.phase == .initializing)
        #expect(driver.state.revision == "r2")
        #expect(driver.state.attempt == 2)
        #expect(driver.state.failedChecks == 0)
        // The analysis history of the first attempt is kept.
        #expect(driver.state.analysisHistory.count == 2)
        #expect(driver.run { $0.newSideReady(revision: "r2", now: $1) }.weights == [RolloutWeights(canary: 10)])
    }

    @Test func retryIsRefusedWhileARolloutIsUnderWay() {
        var driver = RolloutDriver(RolloutFixture.canary(Self.steps))
        driver.begin()
        let before = driver.machine
        #expect(throws: RolloutCommandError.self) { try driver.run { try $0.retry(now: $1) } }
        #expect(driver.machine == before)
    }

    @Test func pauseFreezesProgressionButNotProtection() throws {
        var driver = RolloutDriver(RolloutFixture.canary(Self.steps))
        driver.begin()
        driver.confirm()
        try driver.run { try $0.pause(now: $1) }
        #expect(driver.state.phase == .paused)
        #expect(driver.state.conditions["Paused"]?.reason == "PausedByUser")
        // A passing check does not advance a paused rollout...
        #expect(driver.analyse(RolloutFixture.good).weights.isEmpty)
        #expect(driver.state.stepIndex == 0)
        // ...and resume does.
        #expect(try driver.run { try $0.resume(now: $1) }.weights == [RolloutWeights(canary: 30)])
        driver.confirm()
        try driver.run { try $0.pause(now: $1) }
        // Failing checks still roll back while paused.
        driver.analyse(RolloutFixture.bad)
        #expect(driver.state.phase == .paused)
        driver.analyse(RolloutFixture.bad)
        #expect(driver.state.phase == .rollingBack)
    }

    @Test func pausingTwiceIsHarmlessAndPausingAPromotionIsRefused() throws {
        var driver = RolloutDriver(RolloutFixture.canary(Self.steps))
        driver.begin()
        try driver.run { try $0.pause(now: $1) }
        #expect(try driver.run { try $0.pause(now: $1) }.isEmpty)
        try driver.run { try $0.promote(full: true, now: $1) }
        #expect(driver.state.phase == .promoting)
        let error = #expect(throws: RolloutCommandError.self) { try driver.run { try $0.pause(now: $1) } }
        #expect(
            error?.description
                == "cannot pause: rollout is Promoting: promotion is under way; `abort` returns to stable"
        )
    }

    @Test func promoteSkipsTheCurrentStep() throws {
        var driver = RolloutDriver(RolloutFixture.canary(Self.steps))
        driver.begin()
        driver.confirm()
        // Skips the analysis wait of step 1.
        #expect(try driver.run { try $0.promote(full: false, now: $1) }.weights == [RolloutWeights(canary: 30)])
        #expect(driver.state.stepHistory.last?.summary.contains("skipped by promote") == true)
    }

    @Test func promoteFullSkipsEveryRemainingStepAndAnalysis() throws {
        var driver = RolloutDriver(RolloutFixture.canary(Self.steps))
        driver.begin()
        driver.confirm()
        #expect(try driver.run { try $0.promote(full: true, now: $1) }.weights == [.newOnly])
        #expect(driver.confirm().promotions == ["r2"])
        #expect(driver.state.analysisWindowStart == nil)
    }

    @Test func promoteFullWhileInitializingSwitchesOnceReady() throws {
        var driver = RolloutDriver(RolloutFixture.canary(Self.steps))
        driver.run { $0.newRevision("r2", now: $1) }
        #expect(throws: RolloutCommandError.self) { try driver.run { try $0.promote(full: false, now: $1) } }
        try driver.run { try $0.promote(full: true, now: $1) }
        #expect(driver.run { $0.newSideReady(revision: "r2", now: $1) }.weights == [.newOnly])
    }

    @Test func undoAfterSuccessReturnsStableToThePreviousRevision() throws {
        var driver = RolloutDriver(RolloutFixture.canary([.setWeight(50)]))
        driver.begin()
        driver.confirm()
        driver.analyse(RolloutFixture.good)
        driver.settle()
        #expect(driver.state.phase == .succeeded)
        #expect(driver.stableSide == "r2")
        #expect(throws: RolloutCommandError.self) { try driver.run { try $0.abort(now: $1) } }
        let undone = try driver.run { try $0.undo(now: $1) }
        #expect(undone.promotions == ["r1"])
        driver.settle()
        #expect(driver.state.phase == .aborted)
        #expect(driver.state.stableRevision == "r1")
        #expect(driver.state.previousStableRevision == "r2")
        #expect(driver.stableSide == "r1")
        // The new side still carries r2: seeing it again does not restart the undone rollout; retry would.
        #expect(driver.run { $0.newRevision("r2", now: $1) }.isEmpty)
    }

    @Test func undoMidRolloutReturnsToStable() throws {
        var driver = RolloutDriver(RolloutFixture.canary(Self.steps))
        driver.begin()
        driver.confirm()
        #expect(try driver.run { try $0.undo(now: $1) }.checksStable)
        driver.settle()
        #expect(driver.state.phase == .aborted)
        #expect(driver.state.weights == .stableOnly)
        #expect(driver.state.conditions["Progressing"]?.reason == "Undo")
    }

    @Test func refusedCommandsLeaveTheStateAsItWas() {
        var driver = RolloutDriver(RolloutFixture.canary(Self.steps))
        let before = driver.machine
        #expect(throws: RolloutCommandError.self) { try driver.run { try $0.promote(full: false, now: $1) } }
        #expect(throws: RolloutCommandError.self) { try driver.run { try $0.abort(now: $1) } }
        #expect(throws: RolloutCommandError.self) { try driver.run { try $0.pause(now: $1) } }
        #expect(throws: RolloutCommandError.self) { try driver.run { try $0.resume(now: $1) } }
        #expect(throws: RolloutCommandError.self) { try driver.run { try $0.retry(now: $1) } }
        #expect(throws: RolloutCommandError.self) { try driver.run { try $0.undo(now: $1) } }
        #expect(driver.machine == before)
    }
}
