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
        // Several references to one parent each name their own sectionName (Gateway API's CEL rule).
        let parentList = (0..<parents).map { parents == 1 ? "{name: web}" : "{name: web, sectionName: s\($0)}" }
            .joined(separator: ", ")
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
        #expect(only(Self.route(parents: 32, hostnames: 16, rules: 16, matches: 8, backends: 16, headers: 16,
                                queryParams: 16, pathLength: 1024)) == [])
        // 64 matches in a rule, 128 in the route; a rule without matches counts its default one.
        #expect(only(Self.route(rules: 2, matches: 64)) == [])
        #expect(only(Self.route(rules: 16, matches: 64))
            == ["error: spec.rules: at most 128 matches across all rules (Gateway API's limit), got 1024"])
        #expect(only(Self.route(rules: 3, matches: 43)) == ["error: spec.rules: at most 128 matches across all rules (Gateway API's limit), got 129"])
        #expect(only(Self.route(parents: 33)) == ["error: spec.parentRefs: at most 32 items (Gateway API's limit)"])
        #expect(only(Self.route(hostnames: 17)) == ["error: spec.hostnames: at most 16 hostnames"])
        #expect(only(Self.route(rules: 17)) == ["error: spec.rules: at most 16 items (Gateway API's limit)"])
        #expect(only(Self.route(matches: 65)) == ["error: spec.rules[0].matches: at most 64 items (Gateway API's limit)"])
        #expect(only(Self.route(backends: 17)) == ["error: spec.rules[0].backendRefs: at most 16 items (Gateway API's limit)"])
        #expect(only(Self.route(headers: 17)) == ["error: spec.rules[0].matches[0].headers: at most 16 items (Gateway API's limit)"])
        #expect(only(Self.route(queryParams: 17)) == ["error: spec.rules[0].matches[0].queryParams: at most 16 items (Gateway API's limit)"])
        #expect(only(Self.route(pathLength: 1025)) == ["error: spec.rules[0].matches[0].path.value: at most 1024 characters"])
        func match(_ text: String) -> [String] {
            only(Self.route(headers: 1, queryParams: 1).replacingOccurrences(of: "headers: [{name: x-h0, value: v}], queryParams: [{name: q0, value: v}]", with: text))
        }
        let (h256, v4096, v1024) = ("x" + String(repeating: "h", count: 255), String(repeating: "v", count: 4096), String(repeating: "q", count: 1024))
        #expect(match("headers: [{name: \(h256), value: \(v4096)}], queryParams: [{name: \(h256), value: \(v1024)}]") == [])
        #expect(match("headers: [{name: \(h256)h, value: \(v4096)v}], queryParams: [{name: q, value: \(v1024)q}]") == [
            "error: spec.rules[0].matches[0].headers[0].name: at most 256 characters",
            "error: spec.rules[0].matches[0].headers[0].value: at most 4096 characters",
            "error: spec.rules[0].matches[0].queryParams[0].value: at most 1024 characters",
        ])
        let longName = Self.route().replacingOccurrences(of: "  - {matches:", with: "  - {name: \(String(repeating: "r", count: 254)), matches:")
        #expect(only(longName) == ["error: spec.rules[0].name: at most 253 characters"])
        let weight = Self.route().replacingOccurrences(of: "{name: web-v1, port: 80}", with: "{name: web-v1, port: 80, weight: 1000001}")
        #expect(only(weight) == ["error: spec.rules[0].backendRefs[0].weight: expected a whole number from 0 to 1000000, got 1000001"])
        let listeners = (0..<65).map { "{name: l\($0), protocol: HTTP, port: \(9000 + $0)}" }.joined(separator: ", ")
        #expect(only("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: c\n  listeners: [\(listeners)]\n", services: false)
            == ["error: spec.listeners: at most 64 items (Gateway API's limit)"])
    }

    @Test("Gateway API's path rules for Exact and PathPrefix: no //, /./, /../, %2f, #, no /. or /.. at the end, path characters only")
    func pathCharacters() {
        func path(_ value: String, _ type: String = "PathPrefix") -> [String] {
            only(Self.route().replacingOccurrences(of: "{path: {value: /aaa}", with: "{path: {type: \(type), value: '\(value.replacingOccurrences(of: "'", with: "''"))'}"))
        }
        #expect(path("/a-b/c_d.e~f/!$&'()*+,;=:@/%20x") == [])
        #expect(path("/a//b") == [#"error: spec.rules[0].matches[0].path.value: must not contain "//" for PathPrefix (Gateway API)"#])
        #expect(path("/a/./b", "Exact") == [#"error: spec.rules[0].matches[0].path.value: must not contain "/./" for Exact (Gateway API)"#])
        #expect(path("/a/../b") == [#"error: spec.rules[0].matches[0].path.value: must not contain "/../" for PathPrefix (Gateway API)"#])
        #expect(path("/a%2fb") == [#"error: spec.rules[0].matches[0].path.value: must not contain "%2f" for PathPrefix (Gateway API)"#])
        #expect(path("/a%2Fb") == [#"error: spec.rules[0].matches[0].path.value: must not contain "%2F" for PathPrefix (Gateway API)"#])
        #expect(path("/a#b") == [##"error: spec.rules[0].matches[0].path.value: must not contain "#" for PathPrefix (Gateway API)"##])
        #expect(path("/a/..") == [#"error: spec.rules[0].matches[0].path.value: must not end with "/.." for PathPrefix (Gateway API)"#])
        #expect(path("/a/.") == [#"error: spec.rules[0].matches[0].path.value: must not end with "/." for PathPrefix (Gateway API)"#])
        #expect(path("/a%zz") == [#"error: spec.rules[0].matches[0].path.value: "%" must start a percent-encoded byte (%XX) for PathPrefix (Gateway API)"#])
        #expect(path("/a b").first?.contains("must only contain the characters of a path") == true)
        #expect(path("/a?b=1", "Exact").first?.contains("must only contain the characters of a path") == true)
        // A RegularExpression is a regex, not a path: none of this applies.
        #expect(path("/a//b.*", "RegularExpression") == [])
    }

    @Test("two references to one parent each name a different sectionName (Gateway API's CEL rules on parentRefs)")
    func sectionNames() {
        func parents(_ list: String) -> [String] {
            only(Self.route().replacingOccurrences(of: "parentRefs: [{name: web}]", with: "parentRefs: \(list)"))
        }
        #expect(parents("[{name: web, sectionName: a}, {name: web, sectionName: b}]") == [])
        #expect(parents("[{name: web}, {name: web}]")
            == ["error: spec.parentRefs[1]: sectionName must be unique when parentRefs includes 2 or more references to the same parent"])
        #expect(parents("[{name: web, sectionName: a}, {name: web}]")
            == ["error: spec.parentRefs[1]: sectionName must be specified when parentRefs includes 2 or more references to the same parent"])
        #expect(parents("[{name: web, sectionName: a}, {name: web, sectionName: a}]")
            == ["error: spec.parentRefs[1]: sectionName must be unique when parentRefs includes 2 or more references to the same parent"])
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
