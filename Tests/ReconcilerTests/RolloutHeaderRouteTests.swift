import Foundation
import Manifests
import Testing

@testable import Reconciler

/// Argo's `setHeaderRoute` in the machine: the route reaches the new side before any weight moves, stays through
/// later weights until removed, and is gone at promotion and rollback.
@Suite("rollout: header routes")
struct RolloutHeaderRouteTests {
    static let testers = Rollout.HeaderRoute(name: "testers", match: [.init(headerName: "x-tester", value: "yes")])
    static let route = RolloutHeaderRoute(name: "testers", headers: ["x-tester": "yes"])

    @Test func aHeaderRouteComesFirstStaysThroughWeightsAndIsDroppedAtPromotion() {
        var driver = RolloutDriver(RolloutFixture.canary([.setHeaderRoute(Self.testers), .setWeight(20)]))
        driver.run { $0.newRevision("r2", now: $1) }
        // Before any weight moves: 100/0 with the route to the canary.
        #expect(driver.run { $0.newSideReady(revision: "r2", now: $1) }.weights == [RolloutWeights(canary: 0, headerRoutes: [Self.route])])
        // Done once confirmed, with nothing to judge: the next step keeps the route.
        #expect(driver.confirm().weights == [RolloutWeights(canary: 20, headerRoutes: [Self.route])])
        #expect(driver.state.stepIndex == 1)
        driver.confirm()
        #expect(driver.analyse(RolloutFixture.good).weights == [.newOnly])
        #expect(RolloutWeights.newOnly.headerRoutes.isEmpty)
    }

    @Test func aStepWithoutMatchRemovesTheRouteAndARollbackDropsIt() {
        var driver = RolloutDriver(RolloutFixture.canary([
            .setHeaderRoute(Self.testers), .setHeaderRoute(.init(name: "testers")), .setHeaderRoute(Self.testers), .pause(nil),
        ]))
        driver.run { $0.newRevision("r2", now: $1) }
        driver.run { $0.newSideReady(revision: "r2", now: $1) }
        #expect(driver.confirm().weights == [RolloutWeights(canary: 0)])
        #expect(driver.confirm().weights == [RolloutWeights(canary: 0, headerRoutes: [Self.route])])
        driver.confirm()
        #expect(driver.state.phase == .paused)
        let aborted = driver.run { (machine, now) in (try? machine.abort(now: now)) ?? [] }
        #expect(aborted.weights == [.stableOnly])
    }

    @Test func weightsStoredBeforeHeaderRoutesStillDecode() throws {
        let old = #"{"stable":90,"canary":10,"preview":false}"#
        let weights = try JSONDecoder().decode(RolloutWeights.self, from: Data(old.utf8))
        #expect(weights == RolloutWeights(canary: 10))
    }
}

/// After a promotion the new side is scaled to zero; never while rolling out, nor after a rollback.
@Suite("rollout: the new side after promotion")
struct RolloutScaleDownTests {
    @Test func theNewSideIsScaledDownOnlyOnceSucceeded() {
        var driver = RolloutDriver(RolloutFixture.canary([.setWeight(50)]))
        driver.run { $0.newRevision("r2", now: $1) }
        driver.run { $0.newSideReady(revision: "r2", now: $1) }
        #expect(!driver.state.newSideScaledDown)
        driver.confirm()
        driver.analyse(RolloutFixture.good)
        driver.confirm()
        #expect(!driver.state.newSideScaledDown, "switched, stable not yet updated")
        driver.run { $0.stableUpdated(revision: "r2", now: $1) }
        driver.confirm()
        #expect(driver.state.phase == .succeeded)
        #expect(driver.state.newSideScaledDown)
        // A new revision on the new side: it runs again.
        driver.run { $0.newRevision("r3", now: $1) }
        #expect(!driver.state.newSideScaledDown)
        let aborted = driver.run { (machine, now) in (try? machine.abort(now: now)) ?? [] }
        #expect(aborted.weights.isEmpty || aborted.weights == [.stableOnly])
        #expect(!driver.state.newSideScaledDown)
    }
}
