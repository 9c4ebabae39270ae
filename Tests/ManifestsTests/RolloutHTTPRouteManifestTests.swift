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
        """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Rollout
        metadata: {name: web}
        spec:
          \(target)
          canary:
            stableService: \(stable)
            canaryService: web-v2
            steps:
            - setHeaderRoute:
                name: testers
                match:
                - {headerName: X-Tester, headerValue: {exact: "yes"}}
                - {headerName: user-agent, headerValue: {regex: ".*Firefox.*"}}
            - setWeight: 20
            - setHeaderRoute: {name: testers}

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
