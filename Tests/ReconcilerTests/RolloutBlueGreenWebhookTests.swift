import Manifests
import Testing

@testable import Reconciler

/// The rollback webhook with blue-green: asked before each preview window's verdict, and polled while the preview
/// waits for promotion.
@Suite("rollout: blue-green webhooks")
struct RolloutBlueGreenWebhookTests {
    static func spec(autoPromotionSeconds: Int? = nil) -> Rollout.Spec {
        var analysis = RolloutFixture.analysis
        analysis.webhooks = [Rollout.Webhook(name: "rb", type: .rollback, url: "http://127.0.0.1:9/rb")]
        return RolloutFixture.blueGreen(autoPromotionSeconds: autoPromotionSeconds, analysis: analysis)
    }

    @Test func theRollbackWebhookIsAskedBeforeTheWindowsVerdictAndItsAnswerCounts() {
        var driver = RolloutDriver(Self.spec())
        driver.begin()
        driver.confirm()
        let window = driver.state.analysisWindowStart ?? 0
        let ticked = driver.at(window + 10) { $0.tick(now: $1) }
        let ask = ticked.firstIndex(of: .runWebhook(.rollback))
        let collect = ticked.firstIndex(of: .collectAnalysis)
        #expect(ask != nil && collect != nil && ask! < collect!)
        // The webhook says roll back: the preview route goes (stable had all live traffic: no health check).
        let rolledBack = driver.run { $0.webhookResult(.rollback, ok: true, message: "HTTP 200", now: $1) }
        #expect(!rolledBack.checksStable)
        #expect(rolledBack.weights == [.stableOnly])
        // The window's sample, read after, is no longer awaited.
        #expect(driver.run { $0.analysisResult(RolloutFixture.good(window, window + 10), now: $1) }.isEmpty)
        driver.confirm()
        #expect(driver.state.phase == .failed)
        #expect(driver.state.message.hasPrefix("RollbackWebhook"))
    }

    @Test func whileWaitingForPromotionTheRollbackWebhookIsPolledEveryInterval() {
        var driver = RolloutDriver(Self.spec())
        driver.begin()
        driver.confirm()
        let window = driver.state.analysisWindowStart ?? 0
        driver.at(window + 10) { $0.tick(now: $1) }
        driver.run { $0.webhookResult(.rollback, ok: false, now: $1) }
        let passed = driver.run { $0.analysisResult(RolloutFixture.good(window, window + 10), now: $1) }
        #expect(driver.state.phase == .waitingPromotion)
        // A manual promotion has no deadline, but the rollback webhook is due again after one interval.
        #expect(passed.requeue == 10)
        #expect(!driver.at(window + 19.9) { $0.tick(now: $1) }.contains(.runWebhook(.rollback)))
        #expect(driver.at(window + 20) { $0.tick(now: $1) }.contains(.runWebhook(.rollback)))
        // Not answered yet: not asked twice.
        #expect(!driver.at(window + 30) { $0.tick(now: $1) }.contains(.runWebhook(.rollback)))
        #expect(driver.run { $0.webhookResult(.rollback, ok: false, now: $1) }.weights.isEmpty)
        #expect(driver.state.phase == .waitingPromotion)
        #expect(driver.at(window + 40) { $0.tick(now: $1) }.contains(.runWebhook(.rollback)))
        #expect(driver.run { $0.webhookResult(.rollback, ok: true, now: $1) }.weights == [.stableOnly])
        driver.confirm()
        #expect(driver.state.phase == .failed)
        #expect(driver.log.weights.allSatisfy { $0.canary == 0 })
    }

    @Test func afterTheSwitchTheRollbackWebhookIsNoLongerPolled() throws {
        var driver = RolloutDriver(Self.spec(autoPromotionSeconds: 0))
        driver.begin()
        driver.confirm()
        let window = driver.state.analysisWindowStart ?? 0
        driver.at(window + 10) { $0.tick(now: $1) }
        driver.run { $0.webhookResult(.rollback, ok: false, now: $1) }
        #expect(driver.run { $0.analysisResult(RolloutFixture.good(window, window + 10), now: $1) }.weights == [.newOnly])
        driver.confirm()
        #expect(driver.state.phase == .promoting)
        #expect(driver.state.nextRollbackPollAt == nil)
        #expect(!driver.at(window + 25) { $0.tick(now: $1) }.contains(.runWebhook(.rollback)))
    }
}
