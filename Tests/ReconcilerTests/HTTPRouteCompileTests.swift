import Manifests
import SidecarConfig
import Testing

@testable import Reconciler

/// An HTTPRoute compiled into the one routing model: a split of its parent with ordered rules.
@Suite("HTTPRoute compiled")
struct HTTPRouteCompileTests {
    private func route(_ rules: [HTTPRoute.Rule]) -> HTTPRoute {
        HTTPRoute(metadata: ObjectMeta(name: "web"), spec: .init(parentRefs: [.init(name: "web", port: 80)], rules: rules))
    }

    private func splits(_ route: HTTPRoute) -> [TrafficSplitConfig] {
        RouteParent.parents([route], gateways: []).map { HTTPRouteTranslation.split($0) }
    }

    @Test func rulesComeInGatewayAPIPrecedenceWithTheirBackendsAndTimeouts() throws {
        let compiled = splits(route([
            .init(matches: [.init()], backendRefs: [.init(name: "v1", port: 80, weight: 90), .init(name: "v2", port: 80, weight: 10)],
                  timeouts: .init(request: .seconds(10), backendRequest: .seconds(2))),
            .init(matches: [.init(path: .init(type: .pathPrefix, value: "/api/"), headers: [.init(name: "x-canary", value: "a.b")])],
                  backendRefs: [.init(name: "v2", port: 80)]),
            .init(matches: [.init(path: .init(type: .exact, value: "/login"), method: "POST")],
                  backendRefs: [.init(name: "v1", port: 80)]),
        ]))
        let split = try #require(compiled.first)
        #expect(compiled.count == 1)
        #expect(split.rootService == "web")
        #expect(split.backends.map(\.service) == ["v1", "v2"])
        // Exact first, then the longest prefix, then "/" (the first rule) last.
        #expect(split.rules.map(\.name) == [
            "httproute/web rules[2] matches[0]", "httproute/web rules[1] matches[0]", "httproute/web rules[0] matches[0]",
        ])
        #expect(split.rules[0].match?.pathRegex == "\\/login")
        #expect(split.rules[0].match?.methods == ["POST"])
        #expect(split.rules[1].match?.pathRegex == "\\/api(/.*)?")
        #expect(split.rules[1].match?.headers == ["x-canary": "a\\.b"])
        #expect(split.rules[2].match?.pathRegex == "/.*")
        #expect(split.rules[2].backends == [.init(service: "v1", weight: 90), .init(service: "v2", weight: 10)])
        #expect(split.rules[2].timeout == .seconds(10) && split.rules[2].perTryTimeout == .seconds(2))
        let config = SidecarConfiguration(
            version: "v", services: ["web", "v1", "v2"].map { ServiceConfig(name: $0, endpoints: []) }, splits: compiled)
        try config.validate()
    }

    @Test func filtersCompileWithTheMatchedPrefixAndARedirectNeedsNoBackend() throws {
        let compiled = splits(route([
            .init(matches: [.init(path: .init(type: .pathPrefix, value: "/old/"))], backendRefs: [.init(name: "v1", port: 80)],
                  filters: .init(requestHeaders: .init(set: [.init(name: "x-env", value: "prod")]),
                                 rewrite: .init(path: .init(type: .replacePrefixMatch, value: "/new")))),
            .init(matches: [.init(path: .init(type: .exact, value: "/http"))],
                  filters: .init(redirect: .init(scheme: "https", statusCode: 301))),
        ]))
        let split = try #require(compiled.first)
        let rewrite = try #require(split.rules.first { $0.name.contains("rules[0]") }?.filters)
        #expect(rewrite.rewrite?.path == .init(type: .replacePrefixMatch, value: "/new", matchedPrefix: "/old"))
        #expect(rewrite.requestHeaders?.set == [.init(name: "x-env", value: "prod")])
        let redirect = try #require(split.rules.first { $0.name.contains("rules[1]") })
        #expect(redirect.backends.isEmpty)
        #expect(redirect.filters?.redirect == .init(scheme: "https", statusCode: 301))
        let config = SidecarConfiguration(
            version: "v", services: ["web", "v1"].map { ServiceConfig(name: $0, endpoints: []) }, splits: compiled)
        try config.validate()
    }
}
