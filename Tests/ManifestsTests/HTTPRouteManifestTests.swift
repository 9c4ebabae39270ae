import Foundation
import Testing

@testable import Manifests

/// Gateway API HTTPRoute for mesh use: the conformance sample accepted as written, defaults filled in, bad input
/// at its line, and the conflict with a TrafficSplit for the same Service.
@Suite("HTTPRoute manifests")
struct HTTPRouteManifestTests {
    static let services = serviceYAML("web", port: 8080, command: false) + serviceYAML("web-v1", port: 8081)
        + serviceYAML("web-v2", port: 8082)
    static let sample = "/work/shared/conformance/kubernetes/samples/good/gateway-httproute-weighted.yaml"
    static let head = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: r\nspec:\n"

    @Test("the Gateway API sample (weighted GAMMA route) is accepted as written, with defaults, and prints back the same")
    func conformanceSample() throws {
        let text = try String(contentsOfFile: Self.sample, encoding: .utf8)
        let report = loadManifests([("services.yaml", Self.services), ("route.yaml", text)])
        #expect(report.diagnostics.map(\.description) == [])
        let route = try #require(report.objects.last?.object.httpRoute)
        #expect(route.spec.parentRefs == [HTTPRoute.ParentRef(name: "web", kind: .service, port: 80)])
        #expect(route.spec.rules.count == 2)
        #expect(route.spec.rules[0].matches[0].headers == [.init(type: .regularExpression, name: "user-agent", value: ".*Firefox.*")])
        #expect(route.spec.rules[0].backendRefs == [.init(name: "web-v2", port: 80, weight: 1)])
        #expect(route.spec.rules[1].backendRefs.map(\.weight) == [90, 10])
        #expect(route.spec.rules[1].timeouts == HTTPRoute.Timeouts(request: .seconds(10), backendRequest: .seconds(2)))
        let yaml = ManifestEncoder.yaml([.httpRoute(route)])
        let again = loadManifests([("services.yaml", Self.services), ("again.yaml", yaml)])
        #expect(again.diagnostics.map(\.description) == [])
        #expect(again.objects.last?.object == .httpRoute(route))
    }

    @Test("an unknown Service, weights summing to 0, a regex that does not compile, a relative path, a missing port and a weight over the maximum: each at its line")
    func badInput() {
        let route = Self.head + """
              parentRefs: [{group: "", kind: Service, name: web}]
              rules:
              - matches:
                - path: {type: RegularExpression, value: "("}
                - path: {type: PathPrefix, value: api}
                backendRefs:
                - {name: web-v1, port: 80}
              - backendRefs:
                - {name: web-v1, port: 80, weight: 0}
                - {name: web-v2, port: 80, weight: 0}
              - backendRefs:
                - {name: web-v2, weight: 2000000}

            """
        #expect(errors(Self.services + route) == [
            #"m.yaml:33:46: error: spec.rules[0].matches[0].path.value: "(" is not a valid regular expression"#,
            #"m.yaml:34:39: error: spec.rules[0].matches[1].path.value: must be an absolute path and start with "/" for PathPrefix"#,
            "m.yaml:37:5: error: spec.rules[1].backendRefs: weights sum to 0: no request could be routed",
            "m.yaml:41:7: error: spec.rules[2].backendRefs[0]: must have port for Service reference (Gateway API)",
            "m.yaml:41:30: error: spec.rules[2].backendRefs[0].weight: expected a whole number from 0 to 1000000, got 2000000",
        ])
        let unknown = errors(Self.services + Self.head + """
              parentRefs: [{name: web}]
              rules:
              - backendRefs: [{name: web-v3, port: 80}]

            """)
        #expect(unknown.count == 1)
        #expect(unknown.first?.contains(#"error: spec.rules[0].backendRefs[0].name: service "web-v3" is not defined"#) == true, "\(unknown)")
    }

    @Test("a RequestMirror filter (percent or fraction) decodes, prints back, and its Service must exist")
    func requestMirror() throws {
        let route = Self.head + """
              parentRefs: [{name: web}]
              rules:
              - filters:
                - type: RequestMirror
                  requestMirror:
                    backendRef: {name: web-v2, port: 80}
                    fraction: {numerator: 1, denominator: 8}
                backendRefs: [{name: web-v1, port: 80}]

            """
        let report = loadManifests(Self.services + route)
        #expect(report.diagnostics.map(\.description) == [])
        let loaded = try #require(report.objects.last?.object.httpRoute)
        #expect(loaded.spec.rules[0].mirror == HTTPRoute.Mirror(service: "web-v2", port: 80, percentage: 12.5))
        let again = loadManifests(Self.services + ManifestEncoder.yaml([.httpRoute(loaded)]))
        #expect(again.objects.last?.object == .httpRoute(loaded))
        let unknown = errors(Self.services + route.replacingOccurrences(of: "name: web-v2", with: "name: web-v9"))
        #expect(unknown.count == 1)
        #expect(unknown.first?.contains(#"spec.rules[0].filters: service "web-v9" is not defined"#) == true, "\(unknown)")
        // Gateway API's CEL rules on requestMirror: a Service reference has a port; percent or fraction, not both.
        let noPort = route.replacingOccurrences(of: "backendRef: {name: web-v2, port: 80}", with: "backendRef: {name: web-v2}")
            .replacingOccurrences(of: "fraction: {numerator: 1, denominator: 8}",
                                  with: "fraction: {numerator: 1, denominator: 8}\n        percent: 10")
        #expect(errors(Self.services + noPort) == [
            "m.yaml:35:21: error: spec.rules[0].filters[0].requestMirror.backendRef: must have port for Service reference (Gateway API)",
            "m.yaml:36:19: error: spec.rules[0].filters[0].requestMirror.fraction: only one of percent or fraction may be specified (Gateway API)",
        ])
    }

    @Test("one Service is routed by an HTTPRoute or a TrafficSplit, not both; a Gateway parent must exist")
    func conflictsAndUnsupported() {
        let split = """
            apiVersion: split.smi-spec.io/v1alpha4
            kind: TrafficSplit
            metadata: {name: web}
            spec:
              service: web
              backends: [{service: web-v1, weight: 1}]
            ---

            """
        let route = Self.head + """
              parentRefs: [{name: web}]
              rules:
              - backendRefs: [{name: web-v2, port: 80}]

            """
        let conflict = errors(Self.services + split + route)
        #expect(conflict.count == 1)
        #expect(conflict.first?.contains("spec.parentRefs[0].name: service \"web\" is already routed by TrafficSplit \"web\"") == true)
        let gateway = errors(Self.services + Self.head + """
              parentRefs: [{kind: Gateway, name: ingress}]
              rules:
              - backendRefs: [{name: web-v2, port: 80}]

            """)
        #expect(gateway.contains { $0.contains("spec.parentRefs[0].name: Gateway \"ingress\" is not defined in this apply set") }, "\(gateway)")
    }

    @Test("two HTTPRoutes for one Service merge; a Rollout may not move one of them, as it would act on the other's requests")
    func routesSharingAParent() {
        func route(_ name: String, _ prefix: String) -> String {
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: \(name)}
            spec:
              parentRefs: [{name: web}]
              rules:
              - matches: [{path: {type: PathPrefix, value: \(prefix)}}]
                backendRefs: [{name: web-v1, port: 80, weight: 100}, {name: web-v2, port: 80, weight: 0}]
            ---

            """
        }
        let rollout = """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Rollout
            metadata: {name: web}
            spec:
              httpRoute: shop
              canary:
                stableService: web-v1
                canaryService: web-v2
                steps: [{setWeight: 20}]

            """
        let two = Self.services + route("shop", "/shop") + route("admin", "/admin")
        #expect(errors(two) == [])
        let refused = errors(two + rollout)
        #expect(refused.count == 1, "\(refused)")
        #expect(refused.first?.contains(#"spec.httpRoute: HTTPRoute "shop" shares service "web" with HTTPRoute "admin""#) == true,
                "\(refused)")
        #expect(errors(Self.services + route("shop", "/shop") + rollout) == [], "alone on its parent, it may be rolled")
    }
}
