import Manifests
import Testing

@testable import Reconciler

@Suite("rollout: blue-green")
struct RolloutBlueGreenTests {
    static let preview = RolloutWeights(stable: 100, canary: 0, preview: true)

    @Test func previewThenManualPromoteThenAtomicSwitchThenScaleDownDelay() throws {
        var driver = RolloutDriver(RolloutFixture.blueGreen(scaleDownDelay: .seconds(30)))
        // The preview is routed (and nothing else) once the new side is ready.
        #expect(driver.begin().weights == [Self.preview])
        #expect(driver.state.phase == .preview)
        driver.confirm()
        #expect(driver.state.phase == .waitingPromotion)
        // Manual promotion: no deadline while a person is awaited.
        driver.at(5000) { $0.tick(now: $1) }
        #expect(driver.state.phase == .waitingPromotion)
        let promoted = try driver.run { try $0.promote(full: false, now: $1) }
        // The switch is one config: 0/100, from 100/0, with nothing in between.
        #expect(promoted.weights == [.newOnly])
        #expect(driver.state.phase == .promoting)
        #expect(driver.confirm().promotions.isEmpty)
        // The old version keeps running for scaleDownDelay.
        #expect(driver.at(5029.9) { $0.tick(now: $1) }.promotions.isEmpty)
        #expect(driver.at(5030) { $0.tick(now: $1) }.promotions == ["r2"])
        #expect(driver.run { $0.stableUpdated(revision: "r2", now: $1) }.weights == [.stableOnly])
        driver.confirm()
        #expect(driver.state.phase == .succeeded)
        #expect(driver.state.stableRevision == "r2")
        #expect(driver.log.weights == [Self.preview, .newOnly, .stableOnly])
    }

    @Test func autoPromotionHappensOnTimeAfterThePreviewIsReady() {
        var driver = RolloutDriver(RolloutFixture.blueGreen(autoPromotionSeconds: 20))
        driver.begin()
        driver.at(4) { _, _ in [] }
        #expect(driver.confirm().requeue == 20)
        #expect(driver.at(23.9) { $0.tick(now: $1) }.weights.isEmpty)
        let switched = driver.at(24) { $0.tick(now: $1) }
        #expect(switched.weights == [.newOnly])
        #expect(switched.reasons.contains("AutoPromotion"))
    }

    @Test func prePromotionAnalysisGatesThePromotion() throws {
        var driver = RolloutDriver(RolloutFixture.blueGreen(autoPromotionSeconds: 0, analysis: RolloutFixture.analysis))
        driver.begin()
        #expect(driver.confirm().contains(.openAnalysisWindow))
        #expect(driver.state.phase == .preview)
        // Promote before the analysis passed: recorded, the switch waits for the pass.
        #expect(try driver.run { try $0.promote(full: false, now: $1) }.weights.isEmpty)
        #expect(driver.analyse(RolloutFixture.quiet).weights.isEmpty)
        #expect(driver.state.phase == .preview)
        #expect(driver.analyse(RolloutFixture.good).weights == [.newOnly])
    }

    @Test func failingPrePromotionAnalysisRollsBackWithoutTouchingLiveTraffic() {
        var driver = RolloutDriver(RolloutFixture.blueGreen(analysis: RolloutFixture.analysis))
        driver.begin()
        driver.confirm()
        driver.analyse(RolloutFixture.bad)
        let failed = driver.analyse(RolloutFixture.bad)
        // Stable already had all the live traffic: the preview route goes, no health check is needed.
        #expect(!failed.checksStable)
        #expect(failed.weights == [.stableOnly])
        driver.confirm()
        #expect(driver.state.phase == .failed)
    }

    @Test func undoDuringScaleDownDelayIsInstant() throws {
        var driver = RolloutDriver(RolloutFixture.blueGreen(scaleDownDelay: .seconds(30)))
        driver.begin()
        driver.confirm()
        try driver.run { try $0.promote(full: false, now: $1) }
        driver.confirm()
        let undone = try driver.run { try $0.undo(now: $1) }
        // The old version still runs on stable: nothing to revert, only the health check before the switch back.
        #expect(undone.promotions.isEmpty)
        #expect(undone.checksStable)
        #expect(driver.run { $0.stableHealthy(true, now: $1) }.weights == [.stableOnly])
        driver.confirm()
        #expect(driver.state.phase == .aborted)
        #expect(driver.state.stableRevision == "r1")
        #expect(driver.log.promotions.isEmpty)
    }
}

extension RolloutBlueGreenTests {
    @Test func promoteFullSkipsThePrePromotionAnalysis() throws {
        var driver = RolloutDriver(RolloutFixture.blueGreen(analysis: RolloutFixture.analysis))
        driver.begin()
        driver.confirm()
        #expect(driver.state.phase == .preview)
        #expect(try driver.run { try $0.promote(full: true, now: $1) }.weights == [.newOnly])
    }
}
