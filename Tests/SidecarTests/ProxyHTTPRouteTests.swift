import Foundation
import Sidecar
import SidecarConfig
import Testing

/// HTTPRoute rules through a real proxy (`TrafficSplitConfig.rules`, as the reconciler compiles an HTTPRoute):
/// every kind of match, weights, no-match 404 and rule timeouts, with real sockets.
@Suite("Proxy HTTPRoute rules", .serialized)
struct ProxyHTTPRouteTests {
    /// `web` routed by rules to `v1`, `v2` and `slow`; each backend answers its own name.
    static func config(v1: String, v2: String, slow: String, rules: [SplitRule]) -> SidecarConfiguration {
        SidecarConfiguration(
            version: "v1",
            listeners: [Listener(name: "out", kind: .outbound, address: "127.0.0.1:0", service: "web")],
            services: [
                ServiceConfig(name: "web", endpoints: []),
                ServiceConfig(name: "v1", endpoints: [v1]),
                ServiceConfig(name: "v2", endpoints: [v2]),
                ServiceConfig(name: "slow", endpoints: [slow]),
            ],
            splits: [TrafficSplitConfig(
                name: "httproute/web", rootService: "web",
                backends: ["v1", "v2", "slow"].map { .init(service: $0, weight: 1) }, rules: rules)],
            defaultRequestTimeout: .seconds(10))
    }

    static func rule(_ name: String, _ match: RouteMatch?, _ backends: [(String, Int)],
                     timeout: Duration? = nil, perTry: Duration? = nil) -> SplitRule {
        SplitRule(name: name, match: match, backends: backends.map { .init(service: $0.0, weight: $0.1) },
                  timeout: timeout, perTryTimeout: perTry)
    }

    @Test("path Exact and PathPrefix (on element boundaries), header, query parameter and method matches pick their rule; no match is 404")
    func matches() async throws {
        let v1 = try await TestBackend { _, _ in TestBackend.ok("v1") }
        let v2 = try await TestBackend { _, _ in TestBackend.ok("v2") }
        let slow = try await TestBackend { _, _ in TestBackend.ok("slow") }
        let proxy = try await ProxyHarness(Self.config(v1: v1.address, v2: v2.address, slow: slow.address, rules: [
            Self.rule("exact", RouteMatch(name: "e", pathRegex: "\\/login"), [("v2", 1)]),
            Self.rule("header", RouteMatch(name: "h", pathRegex: "\\/api(/.*)?", headers: ["x-canary": "yes"]), [("v2", 1)]),
            Self.rule("query", RouteMatch(name: "q", pathRegex: "\\/api(/.*)?", queryParams: ["beta": "1"]), [("v2", 1)]),
            Self.rule("method", RouteMatch(name: "m", pathRegex: "\\/api(/.*)?", methods: ["POST"]), [("slow", 1)]),
            Self.rule("prefix", RouteMatch(name: "p", pathRegex: "\\/api(/.*)?"), [("v1", 1)]),
        ]))
        let answers = try await offPool {
            [
                try proxy.get("/login").text, try proxy.get("/login/x").status.description,
                try proxy.get("/api").text, try proxy.get("/api/users").text, try proxy.get("/apix").status.description,
                try proxy.get("/api/users", headers: ["X-Canary: yes"]).text,
                try proxy.get("/api/users?a=2&beta=1").text, try proxy.get("/api/users?beta=10").text,
                try proxy.get("/api", method: "POST", body: "x").text,
            ]
        }
        #expect(answers == ["v2", "404", "v1", "v1", "404", "v2", "v2", "v1", "slow"])
        await proxy.stop()
        for backend in [v1, v2, slow] { await backend.stop() }
    }

    @Test("a rule's weights share its requests exactly (3:1 over 8 requests: 6 and 2); a weight-0 backend gets none")
    func weights() async throws {
        let v1 = try await TestBackend { _, _ in TestBackend.ok("v1") }
        let v2 = try await TestBackend { _, _ in TestBackend.ok("v2") }
        let slow = try await TestBackend { _, _ in TestBackend.ok("slow") }
        let proxy = try await ProxyHarness(Self.config(v1: v1.address, v2: v2.address, slow: slow.address, rules: [
            Self.rule("all", nil, [("v1", 3), ("v2", 1), ("slow", 0)]),
        ]))
        let answers = try await offPool { try (0..<8).map { _ in try proxy.get("/").text } }
        #expect(answers.filter { $0 == "v1" }.count == 6)
        #expect(answers.filter { $0 == "v2" }.count == 2)
        await proxy.stop()
        for backend in [v1, v2, slow] { await backend.stop() }
    }

    @Test("timeouts.backendRequest of a rule is each try's deadline: a slow backend is a 504 after it, other rules wait")
    func ruleTimeouts() async throws {
        let v1 = try await TestBackend { _, _ in TestBackend.ok("v1") }
        let v2 = try await TestBackend { _, _ in TestBackend.ok("v2") }
        let slow = try await TestBackend { _, _ in .delayed(milliseconds: 600, TestBackend.ok("slow")) }
        let proxy = try await ProxyHarness(Self.config(v1: v1.address, v2: v2.address, slow: slow.address, rules: [
            Self.rule("hurried", RouteMatch(name: "h", pathRegex: "\\/hurry"), [("slow", 1)],
                      timeout: .seconds(5), perTry: .milliseconds(200)),
            Self.rule("patient", nil, [("slow", 1)]),
        ]))
        let (hurried, patient) = try await offPool { (try proxy.get("/hurry"), try proxy.get("/other")) }
        #expect(hurried.status == 504)
        #expect(patient.status == 200 && patient.text == "slow")
        await proxy.stop()
        for backend in [v1, v2, slow] { await backend.stop() }
    }

    @Test("a rule naming a service that is not a backend of the split, a weightless rule and a bad query regex are refused")
    func validation() throws {
        var config = Self.config(v1: "127.0.0.1:1", v2: "127.0.0.1:2", slow: "127.0.0.1:3", rules: [
            Self.rule("a", RouteMatch(name: "q", queryParams: ["x": "("]), [("nobody", 1)]),
            Self.rule("b", nil, [("v1", 0)]),
        ])
        do {
            try config.validate()
            Issue.record("expected a validation failure")
        } catch {
            #expect(error.problems.map(\.path) == [
                "splits[0].rules[0].backends[0].service", "splits[0].rules[0].match.queryParams.x",
                "splits[0].rules[1].backends",
            ])
        }
        config.splits[0].rules = [Self.rule("ok", RouteMatch(name: "q", queryParams: ["x": "1"]), [("v1", 1)], perTry: .seconds(1))]
        #expect(try SidecarConfiguration.decode(json: config.encodedJSON()) == config)
    }
}
