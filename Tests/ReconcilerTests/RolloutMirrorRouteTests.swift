import Foundation
import Manifests
import SidecarConfig
import Testing

@testable import Reconciler

/// Argo's `setMirrorRoute` in the machine: the canary gets copies at weight 0 and is judged on them; a passing check
/// ends the step, failing checks roll back (and drop the route); later weights keep it; a step without match
/// removes it.
@Suite("rollout: mirror routes")
struct RolloutMirrorRouteTests {
    static let shadow = Rollout.MirrorRoute(name: "shadow", percentage: 50, match: [
        .init(method: "GET", path: .init(type: .prefix, value: "/api")),
        .init(headers: [.init(headerName: "x-user", type: .regex, value: "[0-9]+")]),
    ])
    static let route = RolloutMirrorRoute(Self.shadow)

    @Test func argoMatchesBecomeWholeValueRegexesOnePerMatch() {
        #expect(Self.route.percentage == 50)
        #expect(Self.route.matches == [
            RouteMatch(name: "mirror-route/shadow match[0]", pathRegex: #"\/api.*"#, methods: ["GET"]),
            RouteMatch(name: "mirror-route/shadow match[1]", headers: ["x-user": "[0-9]+"]),
        ])
        let split = Self.route.splitMirrorRoutes(to: "web-v2")
        #expect(split.map(\.service) == ["web-v2", "web-v2"])
        #expect(split.map(\.percentage) == [50, 50])
    }

    @Test func theCopiesAreJudgedAtWeightZeroAndAPassingCheckEndsTheStep() {
        var driver = RolloutDriver(RolloutFixture.canary([.setMirrorRoute(Self.shadow), .setWeight(20)]))
        let asked = driver.begin()
        #expect(asked.weights == [RolloutWeights(canary: 0).setting(Self.route)])
        let confirmed = driver.confirm()
        #expect(confirmed.contains(.openAnalysisWindow), "the copies are judged though no user traffic moved")
        #expect(driver.state.stepIndex == 0, "not done before a passing check")
        let passed = driver.analyse(RolloutFixture.good)
        #expect(driver.state.stepIndex == 1)
        // setWeight keeps the mirror route, as later steps keep header routes (Argo).
        #expect(passed.weights == [RolloutWeights(canary: 20).setting(Self.route)])
        driver.confirm()
        #expect(driver.analyse(RolloutFixture.good).weights == [.newOnly], "promotion drops the route")
    }

    @Test func failingCopiesRollBackAndDropTheRoute() {
        var driver = RolloutDriver(RolloutFixture.canary([.setMirrorRoute(Self.shadow), .pause(nil)]))
        driver.begin()
        driver.confirm()
        driver.analyse(RolloutFixture.bad)
        let second = driver.analyse(RolloutFixture.bad)
        #expect(second.reasons.contains("AnalysisFailed"))
        driver.settle()
        #expect(driver.state.phase == .failed)
        #expect(driver.state.weights == .stableOnly)
        #expect(driver.state.weights.mirrorRoutes.isEmpty)
        #expect(driver.state.message.contains("with mirrored copies") || driver.log.contains {
            if case .recordEvent(let event) = $0 { event.message.contains("with mirrored copies") } else { false }
        })
    }

    @Test func aStepWithoutMatchRemovesTheRouteOnceConfirmed() {
        var driver = RolloutDriver(RolloutFixture.canary([
            .setMirrorRoute(Self.shadow), .setMirrorRoute(.init(name: "shadow")), .pause(nil),
        ]))
        driver.begin()
        driver.confirm()
        let passed = driver.analyse(RolloutFixture.good)
        #expect(passed.weights == [RolloutWeights(canary: 0)])
        driver.confirm()
        #expect(driver.state.stepIndex == 2, "removing needs no check")
        #expect(driver.state.analysisWindowStart == nil, "nothing left to judge at weight 0 without copies")
    }

    @Test func weightsStoredBeforeMirrorRoutesStillDecode() throws {
        let old = #"{"stable":90,"canary":10,"preview":false,"headerRoutes":[]}"#
        let weights = try JSONDecoder().decode(RolloutWeights.self, from: Data(old.utf8))
        #expect(weights == RolloutWeights(canary: 10))
        #expect(RolloutWeights(canary: 0).setting(Self.route).description == "100/0 +mirror(shadow 50%)")
    }
}

/// Where a canary's session affinity is in force: only while both sides take traffic.
@Suite("rollout: session affinity")
struct RolloutSessionAffinityTests {
    static let spec: Rollout.Spec = {
        var spec = RolloutFixture.canary([.setWeight(20)])
        if case .canary(var canary) = spec.strategy {
            canary.sessionAffinity = .init(cookieName: "flagger-cookie", maxAge: 3600)
            spec.strategy = .canary(canary)
        }
        return spec
    }()

    @Test func onlyWhileBothSidesTakeTrafficWithValuesNamingTheRevision() {
        let at20 = RolloutSessionAffinity.split(Self.spec, weights: RolloutWeights(canary: 20), revision: "ab12-cd;34")
        #expect(at20 == SplitSessionAffinity(cookieName: "flagger-cookie", maxAge: 3600,
                                             values: ["web-v1": "stable-ab12cd34", "web-v2": "canary-ab12cd34"]))
        #expect(RolloutSessionAffinity.split(Self.spec, weights: RolloutWeights(canary: 0), revision: "r2") == nil,
                "at weight 0 everyone would be pinned to stable")
        #expect(RolloutSessionAffinity.split(Self.spec, weights: .newOnly, revision: "r2") == nil, "promoted")
        #expect(RolloutSessionAffinity.split(Self.spec, weights: .stableOnly, revision: "r2") == nil, "rolled back")
        #expect(RolloutSessionAffinity.split(RolloutFixture.canary([.setWeight(20)]), weights: RolloutWeights(canary: 20),
                                             revision: "r2") == nil, "not asked for")
    }
}
