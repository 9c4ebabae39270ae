import Foundation
import Manifests
import SidecarConfig
import Testing

@testable import Reconciler

/// Several HTTPRoutes on one parent (Gateway API): their rules merge into the parent's one split, in the spec's
/// precedence across routes — host specificity (ingress), exact path, longest prefix, method, most headers, then the
/// older route, then `{namespace}/{name}`, then rule order.
@Suite("HTTPRoutes merged per parent")
struct HTTPRouteMergeTests {
    private static let v1 = [HTTPRoute.BackendRef(name: "v1", port: 80)]
    private static let v2 = [HTTPRoute.BackendRef(name: "v2", port: 80)]

    private static func prefix(_ value: String, method: String? = nil, header: String? = nil) -> HTTPRoute.Match {
        HTTPRoute.Match(path: .init(type: .pathPrefix, value: value),
                        headers: header.map { [.init(name: $0, value: "1")] } ?? [], method: method)
    }

    /// Older; its rules: /api, /api/v2, and everything else.
    static let shop = HTTPRoute(metadata: ObjectMeta(name: "shop"), spec: .init(parentRefs: [.init(name: "web")], rules: [
        .init(matches: [prefix("/api")], backendRefs: v1),
        .init(matches: [prefix("/api/v2")], backendRefs: v1),
        .init(backendRefs: v1),
    ]))
    /// Newer, and first by name; its rules: Exact /api/login, /api, /api with a header, and POST anywhere.
    static let admin = HTTPRoute(metadata: ObjectMeta(name: "admin"), spec: .init(parentRefs: [.init(name: "web")], rules: [
        .init(matches: [.init(path: .init(type: .exact, value: "/api/login"))], backendRefs: v2),
        .init(matches: [prefix("/api")], backendRefs: v2),
        .init(matches: [prefix("/api", header: "x-admin")], backendRefs: v2),
        .init(matches: [prefix("/", method: "POST")], backendRefs: v2),
    ]))
    static let created: [String: Date] = ["shop": Date(timeIntervalSince1970: 1_000), "admin": Date(timeIntervalSince1970: 2_000)]

    private func splits(_ routes: [HTTPRoute], gateways: [Gateway] = [], createdAt: [String: Date] = [:]) -> [TrafficSplitConfig] {
        RouteParent.parents(routes, gateways: gateways, createdAt: createdAt).map { HTTPRouteTranslation.split($0) }
    }

    @Test func rulesOfEveryRouteOfAServiceMergeInGatewayAPIPrecedenceAndATieGoesToTheOlderRoute() throws {
        let compiled = splits([Self.shop, Self.admin], createdAt: Self.created)
        #expect(compiled.count == 1, "one split for the parent: \(compiled.map(\.name))")
        let split = try #require(compiled.first)
        #expect(split.rootService == "web")
        #expect(split.name == "httproute/shop+admin")
        #expect(split.backends.map(\.service) == ["v1", "v2"])
        #expect(split.rules.map(\.name) == [
            "httproute/admin rules[0] matches[0]",  // Exact
            "httproute/shop rules[1] matches[0]",   // the longest prefix
            "httproute/admin rules[2] matches[0]",  // /api with a header
            "httproute/shop rules[0] matches[0]",   // /api: a tie, the older route first
            "httproute/admin rules[1] matches[0]",
            "httproute/admin rules[3] matches[0]",  // / with a method
            "httproute/shop rules[2]",              // / (no match written)
        ])
        let config = SidecarConfiguration(
            version: "v", services: ["web", "v1", "v2"].map { ServiceConfig(name: $0, endpoints: []) }, splits: compiled)
        try config.validate()
    }

    @Test func routesCreatedTogetherTieByNamespaceAndName() throws {
        let split = try #require(splits([Self.shop, Self.admin]).first)
        #expect(split.name == "httproute/admin+shop")
        let api = split.rules.map(\.name).filter { $0.hasSuffix("rules[0] matches[0]") || $0.hasSuffix("rules[1] matches[0]") }
        #expect(api == ["httproute/admin rules[0] matches[0]", "httproute/shop rules[1] matches[0]",
                        "httproute/admin rules[1] matches[0]", "httproute/shop rules[0] matches[0]"])
        // Namespaces count before names: "default/admin" < "prod/aaa" once a namespace is written.
        var other = Self.shop
        other.metadata = ObjectMeta(name: "aaa", namespace: "prod")
        let named = try #require(splits([other, Self.admin]).first)
        #expect(named.name == "httproute/admin+aaa")
    }

    @Test func aRouteAddedOrRemovedChangesOnlyItsOwnRules() throws {
        let alone = try #require(splits([Self.shop], createdAt: Self.created).first)
        #expect(alone.name == "httproute/shop", "one route keeps its own split name (what a Rollout names)")
        let merged = try #require(splits([Self.shop, Self.admin], createdAt: Self.created).first)
        // The shop's rules are the same values in the same order; the admin route only adds its own.
        #expect(merged.rules.filter { $0.name.hasPrefix("httproute/shop ") } == alone.rules)
        #expect(merged.rules.count == alone.rules.count + Self.admin.spec.rules.count)
        // A route on another parent neither joins nor changes this one.
        var other = Self.admin
        other.metadata.name = "api"
        other.spec.parentRefs = [.init(name: "api")]
        let two = splits([Self.shop, other], createdAt: Self.created)
        #expect(two.map(\.rootService) == ["api", "web"])
        #expect(two.last?.rules == alone.rules)
    }

    @Test func ingressRoutesMergePerHostWithTheMoreSpecificHostsRulesFirst() throws {
        let gateway = Gateway(metadata: ObjectMeta(name: "public"),
                              spec: .init(gatewayClassName: "meshctl", listeners: [.init(name: "http", port: 8080)]))
        func route(_ name: String, hosts: [String], _ rules: [HTTPRoute.Rule]) -> HTTPRoute {
            HTTPRoute(metadata: ObjectMeta(name: name),
                      spec: .init(parentRefs: [.init(name: "public", kind: .gateway)], hostnames: hosts, rules: rules))
        }
        let exact = route("exact", hosts: ["a.example.com"], [.init(matches: [Self.prefix("/")], backendRefs: Self.v1)])
        let wild = route("wild", hosts: ["*.example.com"], [
            .init(matches: [.init(path: .init(type: .exact, value: "/x"))], backendRefs: Self.v2),
        ])
        let any = route("any", hosts: [], [.init(matches: [Self.prefix("/z")], backendRefs: Self.v2)])
        let parents = RouteParent.parents([exact, wild, any], gateways: [gateway])
        let byHost = Dictionary(uniqueKeysWithValues: parents.map { ($0.ingress?.host ?? "*", $0) })
        #expect(Set(byHost.keys) == ["a.example.com", "*.example.com", "*"])
        // a.example.com: the exact host's "/" comes before the wildcard route's Exact /x (host first), then any host.
        let a = HTTPRouteTranslation.split(try #require(byHost["a.example.com"]))
        #expect(a.rules.map(\.name) == ["httproute/exact rules[0] matches[0]", "httproute/wild rules[0] matches[0]",
                                        "httproute/any rules[0] matches[0]"])
        #expect(a.rootService == "ingress:8080/public/http/a.example.com")
        #expect(HTTPRouteTranslation.split(try #require(byHost["*.example.com"])).rules.map(\.name)
            == ["httproute/wild rules[0] matches[0]", "httproute/any rules[0] matches[0]"])
        #expect(HTTPRouteTranslation.split(try #require(byHost["*"])).name == "httproute/any")
        // The gateway listener sends each host to its parent: the exact host, then the wildcard, then any host.
        let listener = try #require(IngressListeners.listeners(gateways: [gateway], parents: parents).first)
        #expect(listener.routes.map(\.host) == ["a.example.com", "*.example.com", nil])
        #expect(listener.routes.map(\.service) == ["ingress:8080/public/http/a.example.com",
                                                     "ingress:8080/public/http/*.example.com", "ingress:8080/public/http/*"])
    }
}
