import Foundation
import Testing

@testable import Manifests

/// Gateway API's own limits and defaults (the CRDs' maxItems, maximums and defaults), enforced by `validate` at
/// the field's line: one past each limit is refused, the limit itself is accepted.
@Suite("Gateway API limits and defaults")
struct GatewayAPILimitsTests {
    static let services = serviceYAML("web", port: 8080, command: false) + serviceYAML("web-v1", port: 8081)

    static func route(parents: Int = 1, hostnames: Int = 0, rules: Int = 1, matches: Int = 0, backends: Int = 1,
                      headers: Int = 0, queryParams: Int = 0, pathLength: Int = 4) -> String {
        let parentList = (0..<parents).map { _ in "{name: web}" }.joined(separator: ", ")
        let hostList = (0..<hostnames).map { "h\($0).example.com" }.joined(separator: ", ")
        let path = "/" + String(repeating: "a", count: pathLength - 1)
        let headerList = (0..<headers).map { "{name: x-h\($0), value: v}" }.joined(separator: ", ")
        let queryList = (0..<queryParams).map { "{name: q\($0), value: v}" }.joined(separator: ", ")
        let match = "{path: {value: \(path)}, headers: [\(headerList)], queryParams: [\(queryList)]}"
        let matchList = (0..<max(matches, 1)).map { _ in match }.joined(separator: ", ")
        let backendList = (0..<backends).map { _ in "{name: web-v1, port: 80}" }.joined(separator: ", ")
        let rule = "  - {matches: [\(matchList)], backendRefs: [\(backendList)]}\n"
        return """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r}
            spec:
              parentRefs: [\(parentList)]
              hostnames: [\(hostList)]
              rules:

            """ + String(repeating: rule, count: rules)
    }

    func only(_ text: String, services: Bool = true) -> [String] {
        errors((services ? Self.services : "") + text).map { $0.replacingOccurrences(of: #"^m\.yaml:\d+:\d+: "#, with: "", options: .regularExpression) }
    }

    @Test("each limit accepted at its value, refused one past it, at its field")
    func limits() {
        #expect(only(Self.route(parents: 32, hostnames: 16, rules: 16, matches: 64, backends: 16, headers: 16,
                                queryParams: 16, pathLength: 1024)) == [])
        #expect(only(Self.route(parents: 33)) == ["error: spec.parentRefs: at most 32 items (Gateway API's limit)"])
        #expect(only(Self.route(hostnames: 17)) == ["error: spec.hostnames: at most 16 hostnames"])
        #expect(only(Self.route(rules: 17)) == ["error: spec.rules: at most 16 items (Gateway API's limit)"])
        #expect(only(Self.route(matches: 65)) == ["error: spec.rules[0].matches: at most 64 items (Gateway API's limit)"])
        #expect(only(Self.route(backends: 17)) == ["error: spec.rules[0].backendRefs: at most 16 items (Gateway API's limit)"])
        #expect(only(Self.route(headers: 17)) == ["error: spec.rules[0].matches[0].headers: at most 16 items (Gateway API's limit)"])
        #expect(only(Self.route(queryParams: 17)) == ["error: spec.rules[0].matches[0].queryParams: at most 16 items (Gateway API's limit)"])
        #expect(only(Self.route(pathLength: 1025)) == ["error: spec.rules[0].matches[0].path.value: at most 1024 characters"])
        let weight = Self.route().replacingOccurrences(of: "{name: web-v1, port: 80}", with: "{name: web-v1, port: 80, weight: 1000001}")
        #expect(only(weight) == ["error: spec.rules[0].backendRefs[0].weight: expected a whole number from 0 to 1000000, got 1000001"])
        let listeners = (0..<65).map { "{name: l\($0), protocol: HTTP, port: \(9000 + $0)}" }.joined(separator: ", ")
        #expect(only("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: c\n  listeners: [\(listeners)]\n", services: false)
            == ["error: spec.listeners: at most 64 items (Gateway API's limit)"])
    }

    @Test("defaults: weight 1, path PathPrefix /, header and query matches Exact, no matches = every request")
    func defaults() throws {
        let text = Self.services + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r}
            spec:
              parentRefs: [{name: web}]
              rules:
              - matches: [{headers: [{name: X-A, value: "1"}], queryParams: [{name: q, value: "2"}]}]
                backendRefs: [{name: web-v1, port: 80}]

            """
        let report = loadManifests(text)
        #expect(report.diagnostics.map(\.description) == [])
        let rule = try #require(report.objects.last?.object.httpRoute?.spec.rules.first)
        #expect(rule.backendRefs.map(\.weight) == [1])
        #expect(rule.matches[0].path == HTTPRoute.PathMatch(type: .pathPrefix, value: "/"))
        #expect(rule.matches[0].headers == [.init(type: .exact, name: "x-a", value: "1")])
        #expect(rule.matches[0].queryParams == [.init(type: .exact, name: "q", value: "2")])
    }
}
