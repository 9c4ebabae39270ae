import Manifests
import Testing

@testable import Reconciler

@Suite("rollout: rollback, abort and deadlines")
struct RolloutRollbackTests {
    static let canarySteps: [Rollout.Step] = [.setWeight(10), .pause(nil), .setWeight(50)]

    /// Every phase a rollout can be in, reached the way a user would get there.
    enum Scenario: String, CaseIterable, CustomTestStringConvertible {
        case initializing, weightPending, analysing, pausedByUser, pauseStep, switching, updatingStable, returning
        case bgPreview, bgWaitingPromotion, bgScaleDownDelay

        var testDescription: String { rawValue }

        func drive() throws -> RolloutDriver {
            let analysis = RolloutFixture.analysis
            switch self {
            case .bgPreview, .bgWaitingPromotion, .bgScaleDownDelay:
                var driver = RolloutDriver(RolloutFixture.blueGreen(analysis: self == .bgPreview ? analysis : nil))
                driver.begin()
                driver.confirm()
                if self == .bgScaleDownDelay {
                    try driver.run { try $0.promote(full: false, now: $1) }
                    driver.confirm()
                }
                return driver
            default:
                var driver = RolloutDriver(RolloutFixture.canary(RolloutRollbackTests.canarySteps))
                if self == .initializing {
                    driver.run { $0.newRevision("r2", now: $1) }
                    return driver
                }
                driver.begin()
                if self == .weightPending { return driver }
                driver.confirm()
                if self == .analysing { return driver }
                if self == .pausedByUser {
                    try driver.run { try $0.pause(now: $1) }
                    return driver
                }
                if self == .pauseStep {
                    driver.analyse(RolloutFixture.good)
                    return driver
                }
                try driver.run { try $0.promote(full: true, now: $1) }
                if self == .switching { return driver }
                driver.confirm()
                if self == .updatingStable { return driver }
                driver.run { $0.stableUpdated(revision: "r2", now: $1) }
                return driver
            }
        }

        var expectedPhase: RolloutPhase {
            switch self {
            case .initializing: .initializing
            case .weightPending, .analysing: .progressing
            case .pausedByUser, .pauseStep: .paused
            case .switching, .updatingStable, .returning, .bgScaleDownDelay: .promoting
            case .bgPreview: .preview
            case .bgWaitingPromotion: .waitingPromotion
            }
        }
    }

    @Test(arguments: Scenario.allCases)
    func abortWorksInEveryPhaseAndEndsOnAHealthyStable(_ scenario: Scenario) throws {
        var driver = try scenario.drive()
        #expect(driver.state.phase == scenario.expectedPhase)
        try driver.run { try $0.abort(now: $1) }
        driver.settle()
        #expect(driver.state.phase == .aborted)
        #expect(driver.state.weights == .stableOnly)
        #expect(driver.state.pendingWeights == nil)
        #expect(driver.state.stableRevision == "r1")
        // Whatever the promotion had done to the stable side was undone.
        #expect(driver.stableSide == "r1")
        #expect(driver.state.conditions["Progressing"]?.reason == "Aborted")
        // Retry works from there, without a spec change.
        try driver.run { try $0.retry(now: $1) }
        #expect(driver.state.phase == .initializing)
    }

    @Test func reachingTheThresholdRollsBackOnlyAfterStableIsFoundHealthy() {
        var driver = RolloutDriver(RolloutFixture.canary(Self.canarySteps))
        driver.begin()
        driver.confirm()
        driver.analyse(RolloutFixture.bad)
        let second = driver.analyse(RolloutFixture.bad)
        #expect(driver.state.phase == .rollingBack)
        // Traffic does not move before stable is checked (argo-rollouts #3888).
        #expect(second.checksStable)
        #expect(second.weights.isEmpty)
        #expect(driver.state.weights == RolloutWeights(canary: 10))
        #expect(driver.run { $0.stableHealthy(true, now: $1) }.weights == [.stableOnly])
        #expect(driver.state.phase == .rollingBack)
        driver.confirm()
        #expect(driver.state.phase == .failed)
        #expect(driver.state.conditions["Progressing"]?.reason == "AnalysisFailed")
        #expect(driver.state.message.contains("2/2 failed checks"))
    }

    @Test func anUnhealthyStableHoldsTrafficAndSaysSo() {
        var driver = RolloutDriver(RolloutFixture.canary(Self.canarySteps))
        driver.begin()
        driver.confirm()
        driver.at(3) { _, _ in [] }
        let aborted = try? driver.run { try $0.abort(now: $1) }
        #expect(aborted?.checksStable == true)
        let unhealthy = driver.run { $0.stableHealthy(false, now: $1) }
        #expect(unhealthy.weights.isEmpty)
        #expect(unhealthy.reasons == ["StableUnhealthy"])
        #expect(unhealthy.requeue == 10)
        #expect(driver.state.weights == RolloutWeights(canary: 10))
        #expect(driver.state.phase == .rollingBack)
        #expect(driver.state.conditions["StableHealthy"]?.status == .false)
        #expect(driver.state.message.contains("stable r1 is unhealthy: traffic held at 90/10"))
        // No deadline turns the hold into anything worse; stable is looked at again.
        #expect(!driver.at(12.9) { $0.tick(now: $1) }.checksStable)
        #expect(driver.at(13) { $0.tick(now: $1) }.checksStable)
        // Still unhealthy: no second warning event, held.
        #expect(driver.run { $0.stableHealthy(false, now: $1) }.reasons.isEmpty)
        #expect(driver.run { $0.stableHealthy(true, now: $1) }.weights == [.stableOnly])
    }

    @Test func promoteFullGoesForwardWhenStableIsUnhealthy() throws {
        var driver = RolloutDriver(RolloutFixture.canary(Self.canarySteps))
        driver.begin()
        driver.confirm()
        try driver.run { try $0.abort(now: $1) }
        #expect(throws: RolloutCommandError.self) { try driver.run { try $0.promote(full: true, now: $1) } }
        driver.run { $0.stableHealthy(false, now: $1) }
        #expect(try driver.run { try $0.promote(full: true, now: $1) }.weights == [.newOnly])
        #expect(driver.state.phase == .promoting)
    }

    @Test func weightsNeverConfirmedFailAtTheDeadlineNotBefore() {
        var driver = RolloutDriver(RolloutFixture.canary(Self.canarySteps, deadline: .seconds(60)))
        let begun = driver.begin()
        #expect(begun.requeue == 60)
        #expect(!driver.at(59) { $0.tick(now: $1) }.checksStable)
        #expect(driver.state.phase == .progressing)
        let expired = driver.at(60) { $0.tick(now: $1) }
        #expect(expired.reasons.contains("ProgressDeadlineExceeded"))
        #expect(driver.state.phase == .rollingBack)
        #expect(driver.state.rollback?.message == "sidecars did not confirm weights 90/10 within 60s")
        driver.settle()
        #expect(driver.state.phase == .failed)
    }

    @Test func onlyInconclusiveAnalysisPastTheDeadlinePausesInsteadOfFailing() throws {
        var driver = RolloutDriver(RolloutFixture.canary(Self.canarySteps, deadline: .seconds(60)))
        driver.begin()
        driver.confirm()
        for _ in 0..<5 { driver.analyse(RolloutFixture.quiet) }
        #expect(driver.state.phase == .progressing)
        #expect(driver.at(60) { $0.tick(now: $1) }.collects)
        #expect(driver.state.phase == .paused)
        #expect(driver.state.pause?.reason == .inconclusive)
        #expect(driver.state.rollback == nil)
        #expect(driver.state.weights == RolloutWeights(canary: 10))
        #expect(driver.state.conditions["Paused"]?.reason == "InconclusiveAnalysis")
        // Paused for a person: no further deadline.
        driver.at(1000) { $0.tick(now: $1) }
        #expect(driver.state.phase == .paused)
        // Traffic comes back: the check asked for at t=60 passes, and the rollout continues by itself.
        driver.run { $0.analysisResult(RolloutFixture.good(50, 60), now: $1) }
        #expect(driver.state.pause?.reason == .step)
        #expect(driver.state.stepIndex == 1)
    }

    @Test func resumeAfterAnInconclusivePauseGivesAFreshDeadline() throws {
        var driver = RolloutDriver(RolloutFixture.canary(Self.canarySteps, deadline: .seconds(60)))
        driver.begin()
        driver.confirm()
        driver.at(60) { $0.tick(now: $1) }
        #expect(driver.state.pause?.reason == .inconclusive)
        try driver.at(100) { try $0.resume(now: $1) }
        #expect(driver.state.phase == .progressing)
        #expect(driver.state.deadlineAt == 160)
    }

    @Test func aFailingLastCheckAtTheDeadlineFails() {
        var driver = RolloutDriver(RolloutFixture.canary(Self.canarySteps, deadline: .seconds(60)))
        driver.begin()
        driver.confirm()
        driver.analyse(RolloutFixture.bad)
        driver.at(60) { $0.tick(now: $1) }
        #expect(driver.state.phase == .rollingBack)
        #expect(driver.state.rollback?.reason == "ProgressDeadlineExceeded")
    }

    @Test func abortWhileStableTakesTheNewRevisionRevertsStableBeforeMovingTraffic() throws {
        var driver = try Scenario.updatingStable.drive()
        #expect(driver.stableSide == "r2")
        #expect(driver.state.stableSideTarget == "r2")
        let aborted = try driver.run { try $0.abort(now: $1) }
        #expect(driver.state.stableSideTarget == "r1")
        #expect(aborted.promotions == ["r1"])
        #expect(aborted.weights.isEmpty)
        #expect(!aborted.checksStable)
        // Stable back on r1 and ready: now checked, then traffic moves.
        #expect(driver.run { $0.stableUpdated(revision: "r1", now: $1) }.checksStable)
        #expect(driver.run { $0.stableHealthy(true, now: $1) }.weights == [.stableOnly])
    }

    @Test func stableNeverTakingTheNewRevisionFailsAtTheDeadline() throws {
        var driver = try Scenario.updatingStable.drive()
        driver.at(60) { $0.tick(now: $1) }
        #expect(driver.state.rollback?.message == "stable did not take r2 within 60s")
        #expect(driver.log.promotions.last == "r1")
    }

    @Test func aNewRevisionMidRolloutReturnsToStableThenStartsOver() {
        var driver = RolloutDriver(RolloutFixture.canary(Self.canarySteps))
        driver.begin()
        driver.confirm()
        let superseded = driver.run { $0.newRevision("r3", now: $1) }
        #expect(superseded.checksStable)
        #expect(driver.state.phase == .rollingBack)
        driver.settle()
        #expect(driver.state.phase == .initializing)
        #expect(driver.state.revision == "r3")
        #expect(driver.state.weights == .stableOnly)
        #expect(driver.state.attempt == 1)
    }

    @Test func theSameRevisionAgainChangesNothingAndAFailedRolloutStaysFailed() {
        var driver = RolloutDriver(RolloutFixture.canary(Self.canarySteps))
        driver.begin()
        #expect(driver.run { $0.newRevision("r2", now: $1) }.isEmpty)
        #expect(driver.run { $0.newRevision("r1", now: $1) }.reasons.contains("NewRevision"))
        driver.settle()
        #expect(driver.state.phase == .aborted)
        var failed = RolloutDriver(RolloutFixture.canary(Self.canarySteps))
        failed.begin()
        failed.at(60) { $0.tick(now: $1) }
        failed.settle()
        #expect(failed.state.phase == .failed)
        // flagger #1152: reapplying the same spec does not restart it; retry does.
        #expect(failed.run { $0.newRevision("r2", now: $1) }.isEmpty)
        #expect(failed.state.phase == .failed)
    }
}
