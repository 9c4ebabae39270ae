import Foundation
import Testing

@testable import Manifests

/// A RateLimit an HTTPRoute rule names in an ExtensionRef filter: decoded, printed back, its reference checked at
/// its line, and kept from deletion while a route names it.
@Suite("Per-route RateLimit manifests")
struct RouteRateLimitManifestTests {
    static let services = serviceYAML("web", port: 8080, command: false) + serviceYAML("web-v1", port: 8081)
    static let limit = """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: RateLimit
        metadata: {name: api-limit}
        spec: {requestsPerSecond: 100, burst: 20}
        ---

        """
    static func route(_ reference: String) -> String {
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web}
        spec:
          parentRefs: [{name: web}]
          rules:
          - matches: [{path: {type: PathPrefix, value: /api}}]
            filters:
            - type: ExtensionRef
              extensionRef: \(reference)
            backendRefs: [{name: web-v1, port: 80}]

        """
    }

    @Test("an ExtensionRef to a RateLimit decodes, prints back the same, and the RateLimit's burst defaults to its rate")
    func decodes() throws {
        let text = Self.services + Self.limit + Self.route("{group: mesh.meshctl.dev, kind: RateLimit, name: api-limit}")
        let report = loadManifests(text)
        #expect(report.diagnostics.map(\.description) == [])
        let objects = report.objects.map(\.object)
        let route = try #require(objects.compactMap(\.httpRoute).first)
        #expect(route.spec.rules[0].filters.rateLimit == "api-limit")
        let again = loadManifests(Self.services + ManifestEncoder.yaml(objects.filter { $0.kind != .service }))
        #expect(again.diagnostics.map(\.description) == [])
        #expect(Set(again.objects.map(\.object)) == Set(objects))
        let defaulted = loadManifests(Self.services + Self.limit.replacingOccurrences(of: ", burst: 20", with: ""))
        guard case .rateLimit(let only)? = defaulted.objects.last?.object else {
            Issue.record("\(defaulted.diagnostics)")
            return
        }
        #expect(only.spec == Service.RateLimit(requestsPerSecond: 100, burst: 100))
    }

    @Test("another extension kind or group, an unknown RateLimit, a rate of 0: each at its line; deleting a named RateLimit is refused")
    func badInput() {
        #expect(errors(Self.services + Self.limit + Self.route("{group: example.com, kind: Throttle, name: x}")) == [
            #"m.yaml:31:29: error: spec.rules[0].filters[0].extensionRef.group: meshctl's extension is a RateLimit (group "mesh.meshctl.dev", kind "RateLimit"), got "example.com""#,
            #"m.yaml:31:48: error: spec.rules[0].filters[0].extensionRef.kind: meshctl's extension is a RateLimit (group "mesh.meshctl.dev", kind "RateLimit"), got "Throttle""#,
        ])
        let unknown = errors(Self.services + Self.limit + Self.route("{group: mesh.meshctl.dev, kind: RateLimit, name: api-limt}"))
        #expect(unknown.count == 1)
        #expect(unknown.first?.contains(#"spec.rules[0].filters: RateLimit "api-limt" is not defined in this apply set, did you mean "api-limit"?"#) == true, "\(unknown)")
        #expect(errors(Self.services + Self.limit.replacingOccurrences(of: "requestsPerSecond: 100", with: "requestsPerSecond: 0"))
            .contains("m.yaml:20:27: error: spec.requestsPerSecond: expected a whole number from 1 to 1000000, got 0"))
        let stored = loadManifests(Self.services + Self.limit + Self.route("{group: mesh.meshctl.dev, kind: RateLimit, name: api-limit}"))
        let refusals = MeshValidator.refusals(removed: [ObjectKey(kind: .rateLimit, name: "api-limit")],
                                              remaining: stored.objects.map(\.object))
        #expect(refusals == ["cannot delete ratelimit/api-limit: still referred to by httproute/web (spec.rules[0].filters); delete or change them first, or delete with --cascade"])
    }
}
