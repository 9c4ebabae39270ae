import Manifests
import Testing

@testable import Reconciler

@Suite("rollout: webhooks")
struct RolloutWebhookTests {
    static func spec(_ kinds: [Rollout.Webhook.Kind]) -> Rollout.Spec {
        var analysis = RolloutFixture.analysis
        analysis.webhooks = kinds.map {
            Rollout.Webhook(name: $0.rawValue, type: $0, url: "http://127.0.0.1:9/\($0.rawValue)")
        }
        return RolloutFixture.canary([.setWeight(20)], analysis: analysis)
    }

    @Test func aFailingPreRolloutWebhookStopsBeforeAnyTrafficMoves() {
        var driver = RolloutDriver(Self.spec([.preRollout]))
        #expect(driver.begin().contains(.runWebhook(.preRollout)))
        #expect(driver.state.phase == .initializing)
        let failed = driver.run { $0.webhookResult(.preRollout, ok: false, message: "HTTP 503", now: $1) }
        #expect(!failed.checksStable)
        driver.settle()
        #expect(driver.state.phase == .failed)
        #expect(driver.state.message.contains("PreRolloutWebhookFailed: pre-rollout webhook failed: HTTP 503"))
        #expect(driver.log.weights.isEmpty)
    }

    @Test func aPassingPreRolloutWebhookLetsTrafficMove() {
        var driver = RolloutDriver(Self.spec([.preRollout]))
        #expect(driver.begin().weights.isEmpty)
        #expect(driver.run { $0.webhookResult(.preRollout, ok: true, now: $1) }.weights == [RolloutWeights(canary: 20)])
        // A second answer for a call nobody is waiting for is ignored.
        #expect(driver.run { $0.webhookResult(.preRollout, ok: false, now: $1) }.isEmpty)
        #expect(driver.state.phase == .progressing)
    }

    @Test func confirmPromotionWaitsWhileFailingAndStillAnalyses() {
        var driver = RolloutDriver(Self.spec([.confirmPromotion]))
        driver.begin()
        driver.confirm()
        #expect(driver.analyse(RolloutFixture.good).contains(.runWebhook(.confirmPromotion)))
        #expect(driver.state.phase == .waitingPromotion)
        let notYet = driver.run { $0.webhookResult(.confirmPromotion, ok: false, now: $1) }
        #expect(notYet.weights.isEmpty)
        #expect(notYet.requeue == 10)
        let askedAt = driver.now
        // Called again after the recheck interval; the canary keeps being analysed meanwhile.
        #expect(driver.at(askedAt + 10) { $0.tick(now: $1) }.contains(.runWebhook(.confirmPromotion)))
        #expect(driver.state.analysisWindowStart != nil)
        // No deadline on a manual gate.
        driver.run { $0.webhookResult(.confirmPromotion, ok: false, now: $1) }
        driver.at(askedAt + 1000) { $0.tick(now: $1) }
        #expect(driver.state.phase == .waitingPromotion)
        #expect(driver.run { $0.webhookResult(.confirmPromotion, ok: true, now: $1) }.weights == [.newOnly])
    }

    @Test func aPassingRollbackWebhookRollsBack() {
        var driver = RolloutDriver(Self.spec([.rollback]))
        driver.begin()
        driver.confirm()
        let window = driver.state.analysisWindowStart ?? 0
        let ticked = driver.at(window + 10) { $0.tick(now: $1) }
        #expect(ticked.collects)
        #expect(ticked.contains(.runWebhook(.rollback)))
        // Not asking for a rollback: nothing happens.
        driver.run { $0.webhookResult(.rollback, ok: false, now: $1) }
        #expect(driver.state.phase == .progressing)
        driver.run { $0.analysisResult(RolloutFixture.quiet(window, window + 10), now: $1) }
        #expect(driver.at(window + 20) { $0.tick(now: $1) }.contains(.runWebhook(.rollback)))
        let rolledBack = driver.run { $0.webhookResult(.rollback, ok: true, now: $1) }
        #expect(rolledBack.checksStable)
        #expect(driver.state.rollback?.reason == "RollbackWebhook")
    }
}

extension RolloutWebhookTests {
    @Test func aConfirmationWhilePausedSwitchesOnResume() throws {
        var driver = RolloutDriver(Self.spec([.confirmPromotion]))
        driver.begin()
        driver.confirm()
        driver.analyse(RolloutFixture.good)
        try driver.run { try $0.pause(now: $1) }
        #expect(driver.run { $0.webhookResult(.confirmPromotion, ok: true, now: $1) }.weights.isEmpty)
        #expect(try driver.run { try $0.resume(now: $1) }.weights == [.newOnly])
    }

    @Test func promoteFullWhileInitializingSkipsTheConfirmationGate() throws {
        var driver = RolloutDriver(Self.spec([.confirmPromotion]))
        driver.run { $0.newRevision("r2", now: $1) }
        try driver.run { try $0.promote(full: true, now: $1) }
        let ready = driver.run { $0.newSideReady(revision: "r2", now: $1) }
        #expect(ready.weights == [.newOnly])
        #expect(!ready.contains(.runWebhook(.confirmPromotion)))
    }
}

extension RolloutWebhookTests {
    @Test func plainPromoteDoesNotOverrideAFailingConfirmationGate() throws {
        var driver = RolloutDriver(Self.spec([.confirmPromotion]))
        driver.begin()
        driver.confirm()
        driver.analyse(RolloutFixture.good)
        try driver.run { try $0.pause(now: $1) }
        driver.run { $0.webhookResult(.confirmPromotion, ok: false, now: $1) }
        let before = driver.machine
        #expect(throws: RolloutCommandError.self) { try driver.run { try $0.promote(full: false, now: $1) } }
        #expect(driver.machine == before)
        #expect(try driver.run { try $0.promote(full: true, now: $1) }.weights == [.newOnly])
    }
}
