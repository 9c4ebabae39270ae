import Foundation
import Testing

@testable import Manifests

/// A Rollout naming an HTTPRoute, and Argo's `setHeaderRoute` step: decoded, printed back, bad input at its line.
@Suite("Rollout over an HTTPRoute manifests")
struct RolloutHTTPRouteManifestTests {
    static let services = HTTPRouteManifestTests.services
    static let route = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web}
        spec:
          parentRefs: [{name: web}]
          rules:
          - matches: [{headers: [{name: x-only, value: v2}]}]
            backendRefs: [{name: web-v2, port: 80}]
          - backendRefs: [{name: web-v1, port: 80, weight: 100}, {name: web-v2, port: 80, weight: 0}]
        ---

        """

    static func rollout(_ target: String, stable: String = "web-v1") -> String {
        rollout(target, stable: stable, canary: """
                steps:
                - setHeaderRoute:
                    name: testers
                    match:
                    - {headerName: X-Tester, headerValue: {exact: "yes"}}
                    - {headerName: user-agent, headerValue: {regex: ".*Firefox.*"}}
                - setWeight: 20
                - setHeaderRoute: {name: testers}
            """)
    }

    /// The one Rollout over the route of every suite here: `target` names it, web-v2 is the canary, and `canary` is
    /// the rest of the `canary:` block (steps, session affinity, …), each line indented by four spaces.
    static func rollout(_ target: String = "httpRoute: web", stable: String = "web-v1", canary: String) -> String {
        """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Rollout
        metadata: {name: web}
        spec:
          \(target)
          canary:
            stableService: \(stable)
            canaryService: web-v2
        \(canary)

        """
    }

    @Test("httpRoute and setHeaderRoute decode and print back the same")
    func decodeAndPrint() throws {
        let report = loadManifests(Self.services + Self.route + Self.rollout("httpRoute: web"))
        #expect(report.diagnostics.map(\.description) == [])
        let rollout = try #require(report.objects.last?.object.rollout)
        #expect(rollout.spec.httpRoute == "web")
        #expect(rollout.spec.routingSplit == "httproute/web")
        guard case .canary(let canary) = rollout.spec.strategy, case .steps(let steps) = canary.progression else {
            Issue.record("not a canary with steps")
            return
        }
        #expect(steps.first == .setHeaderRoute(.init(name: "testers", match: [
            .init(headerName: "x-tester", type: .exact, value: "yes"), .init(headerName: "user-agent", type: .regex, value: ".*Firefox.*"),
        ])))
        #expect(steps.last == .setHeaderRoute(.init(name: "testers")))
        let again = loadManifests(Self.services + Self.route + ManifestEncoder.yaml([.rollout(rollout)]))
        #expect(again.diagnostics.map(\.description) == [])
        #expect(again.objects.last?.object == .rollout(rollout))
    }

    @Test("an unknown HTTPRoute, a route with no rule holding both services, and both trafficSplit and httpRoute are refused at their line")
    func badInput() {
        let unknown = errors(Self.services + Self.route + Self.rollout("httpRoute: webb"))
        #expect(unknown.contains { $0.contains(#"spec.httpRoute: HTTPRoute "webb" is not defined"#) }, "\(unknown)")
        let noRule = errors(Self.services + Self.route + Self.rollout("httpRoute: web", stable: "web"))
        #expect(noRule.contains { $0.contains(#"spec.canary.canaryService: no rule of HTTPRoute "web" has both "web" and "web-v2""#) }, "\(noRule)")
        let both = errors(Self.services + Self.route + Self.rollout("httpRoute: web\n  trafficSplit: web"))
        #expect(both.contains { $0.contains("spec.trafficSplit: a rollout moves either a trafficSplit or an httpRoute, not both") }, "\(both)")
    }
}

/// Argo's `setMirrorRoute` step: decoded, printed back, bad input at its line, all at once.
@Suite("Rollout setMirrorRoute manifests")
struct RolloutMirrorRouteManifestTests {
    static func rollout(_ mirror: String) -> String {
        RolloutHTTPRouteManifestTests.services + RolloutHTTPRouteManifestTests.route
            + RolloutHTTPRouteManifestTests.rollout(canary: """
                    steps:
                \(mirror)
                    - setMirrorRoute: {name: shadow}
                """)
    }

    @Test("setMirrorRoute decodes in Argo's shape and prints back the same")
    func decodeAndPrint() throws {
        let report = loadManifests(Self.rollout("""
                - setMirrorRoute:
                    name: shadow
                    percentage: 35
                    match:
                    - method: {exact: get}
                      path: {prefix: /api}
                    - headers: {X-User: {regex: "[0-9]+"}}
            """))
        #expect(report.diagnostics.map(\.description) == [])
        let rollout = try #require(report.objects.last?.object.rollout)
        guard case .canary(let canary) = rollout.spec.strategy, case .steps(let steps) = canary.progression else {
            Issue.record("not a canary with steps")
            return
        }
        #expect(steps == [
            .setMirrorRoute(.init(name: "shadow", percentage: 35, match: [
                .init(method: "GET", path: .init(type: .prefix, value: "/api")),
                .init(headers: [.init(headerName: "x-user", type: .regex, value: "[0-9]+")]),
            ])),
            .setMirrorRoute(.init(name: "shadow")),
        ])
        let again = loadManifests(RolloutHTTPRouteManifestTests.services + RolloutHTTPRouteManifestTests.route
            + ManifestEncoder.yaml([.rollout(rollout)]))
        #expect(again.diagnostics.map(\.description) == [])
        #expect(again.objects.last?.object == .rollout(rollout))
    }

    @Test("percentage 150, a method prefix, an empty match, a bad regex and a second kind are refused at their line, all at once")
    func badInput() {
        let found = errors(Self.rollout("""
                - setMirrorRoute:
                    name: shadow
                    percentage: 150
                    match:
                    - method: {prefix: G}
                    - {}
                    - path: {regex: "(unclosed"}
                  setWeight: 10
            """))
        let expected = [
            "m.yaml:46:21: error: spec.canary.steps[0].setMirrorRoute.percentage: expected a whole number from 0 to 100, got 150",
            "m.yaml:48:19: error: spec.canary.steps[0].setMirrorRoute.match[0].method.prefix: a method is matched exactly: use exact",
            "m.yaml:49:11: error: spec.canary.steps[0].setMirrorRoute.match[1]: a match needs method, path or headers",
            "m.yaml:51:18: error: spec.canary.steps[0].setWeight: a step has one kind: setHeaderRoute, setMirrorRoute, setWeight or pause",
        ]
        for line in expected { #expect(found.contains { $0.hasPrefix(line) }, "\(line)\n\(found)") }
        #expect(found.contains { $0.hasPrefix("m.yaml:50:25: error: spec.canary.steps[0].setMirrorRoute.match[2].path.regex: ") }, "\(found)")
        #expect(found.count == 5, "\(found)")
    }
}

/// Flagger's `sessionAffinity` on a canary: decoded, printed back, bad input at its line.
@Suite("Rollout sessionAffinity manifests")
struct RolloutSessionAffinityManifestTests {
    static func rollout(_ affinity: String) -> String {
        RolloutHTTPRouteManifestTests.services + RolloutHTTPRouteManifestTests.route
            + RolloutHTTPRouteManifestTests.rollout(canary: """
                    steps: [{setWeight: 20}]
                    sessionAffinity: \(affinity)
                """)
    }

    @Test func decodesWithFlaggersDefaultAndPrintsBack() throws {
        let report = loadManifests(Self.rollout("{cookieName: flagger-cookie}"))
        #expect(report.diagnostics.map(\.description) == [])
        let rollout = try #require(report.objects.last?.object.rollout)
        guard case .canary(let canary) = rollout.spec.strategy else {
            Issue.record("not a canary")
            return
        }
        #expect(canary.sessionAffinity == .init(cookieName: "flagger-cookie", maxAge: 86_400))
        let again = loadManifests(RolloutHTTPRouteManifestTests.services + RolloutHTTPRouteManifestTests.route
            + ManifestEncoder.yaml([.rollout(rollout)]))
        #expect(again.diagnostics.map(\.description) == [])
        #expect(again.objects.last?.object == .rollout(rollout))
    }

    @Test func aCookieNameThatIsNotATokenAndMaxAgeZeroAreRefusedTogether() {
        let found = errors(Self.rollout(#"{cookieName: "a;b", maxAge: 0}"#))
        #expect(found.contains { $0.contains("spec.canary.sessionAffinity.cookieName: must be a cookie name") }, "\(found)")
        #expect(found.contains { $0.contains("spec.canary.sessionAffinity.maxAge: expected a whole number from 1 to 34560000, got 0") }, "\(found)")
    }
}
