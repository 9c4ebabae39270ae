import Foundation
import Sidecar
import SidecarConfig
import Testing

/// HTTPRoute filters through a real proxy (`SplitRule.filters`, as the reconciler compiles them): header
/// modifiers on the request and the response, URL rewrites of path and Host, and redirects answered by the proxy.
@Suite("Proxy HTTPRoute filters", .serialized)
struct ProxyRouteFilterTests {
    static func config(backend: String, rules: [SplitRule]) -> SidecarConfiguration {
        SidecarConfiguration(
            version: "v1",
            listeners: [Listener(name: "out", kind: .outbound, address: "127.0.0.1:0", service: "web")],
            services: [ServiceConfig(name: "web", endpoints: []), ServiceConfig(name: "v1", endpoints: [backend])],
            splits: [TrafficSplitConfig(name: "httproute/web", rootService: "web", backends: [.init(service: "v1", weight: 1)],
                                        rules: rules)],
            defaultRequestTimeout: .seconds(10))
    }

    static func prefix(_ value: String) -> RouteMatch { RouteMatch(name: value, pathRegex: "\\\(value)(/.*)?") }

    static func rule(_ match: RouteMatch?, _ filters: RouteFilters, backends: [String] = ["v1"]) -> SplitRule {
        SplitRule(name: match?.name ?? "all", match: match, backends: backends.map { .init(service: $0, weight: 1) },
                  filters: filters)
    }

    @Test("RequestHeaderModifier removes, then sets (replacing every field of the name), then adds; the upstream sees it")
    func requestHeaders() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("v1") }
        let edits = RouteFilters.HeaderEdits(
            set: [.init(name: "X-Set", value: "new")], add: [.init(name: "x-add", value: "two")], remove: ["x-drop"])
        let proxy = try await ProxyHarness(Self.config(backend: backend.address, rules: [
            Self.rule(Self.prefix("/edit"), RouteFilters(requestHeaders: edits)),
            Self.rule(nil, RouteFilters()),
        ]))
        let statuses = try await offPool {
            [try proxy.get("/edit/x", headers: ["X-Set: old1", "x-set: old2", "X-Drop: gone", "x-add: one", "x-keep: k"]).status,
             try proxy.get("/plain", headers: ["X-Drop: stays"]).status]
        }
        #expect(statuses == [200, 200])
        let edited = backend.requests[0].head.lowercased()
        #expect(edited.contains("x-set: new"))
        #expect(!edited.contains("old1") && !edited.contains("old2") && !edited.contains("x-drop"))
        #expect(edited.contains("x-add: one\r\n") && edited.contains("x-add: two\r\n"))
        #expect(edited.contains("x-keep: k"))
        #expect(backend.requests[1].header("x-drop") == "stays")
        await proxy.stop()
        await backend.stop()
    }

    @Test("ResponseHeaderModifier changes what the client sees of the upstream's answer, on that rule only")
    func responseHeaders() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("v1", extra: "server: app\r\nx-internal: secret\r\n") }
        let edits = RouteFilters.HeaderEdits(set: [.init(name: "server", value: "mesh")], add: [.init(name: "x-route", value: "api")],
                                             remove: ["x-internal"])
        let proxy = try await ProxyHarness(Self.config(backend: backend.address, rules: [
            Self.rule(Self.prefix("/api"), RouteFilters(responseHeaders: edits)),
            Self.rule(nil, RouteFilters()),
        ]))
        let (edited, plain) = try await offPool { (try proxy.get("/api/x"), try proxy.get("/other")) }
        #expect(edited.status == 200 && edited.text == "v1")
        #expect(edited.header("server") == "mesh" && edited.header("x-route") == "api" && edited.header("x-internal") == nil)
        #expect(plain.header("server") == "app" && plain.header("x-internal") == "secret" && plain.header("x-route") == nil)
        await proxy.stop()
        await backend.stop()
    }

    @Test("URLRewrite: ReplacePrefixMatch and ReplaceFullPath keep the query; hostname becomes the upstream's Host")
    func urlRewrite() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("v1") }
        let proxy = try await ProxyHarness(Self.config(backend: backend.address, rules: [
            Self.rule(Self.prefix("/old"), RouteFilters(rewrite: .init(
                hostname: "api.internal", path: .init(type: .replacePrefixMatch, value: "/new/", matchedPrefix: "/old")))),
            Self.rule(Self.prefix("/any"), RouteFilters(rewrite: .init(path: .init(type: .replaceFullPath, value: "/fixed")))),
        ]))
        let statuses = try await offPool {
            try ["/old/a/b?q=1", "/old", "/any/thing?x=y"].map { try proxy.get($0).status }
        }
        #expect(statuses == [200, 200, 200])
        #expect(backend.requests.map(\.requestLine) == [
            "GET /new/a/b?q=1 HTTP/1.1", "GET /new HTTP/1.1", "GET /fixed?x=y HTTP/1.1",
        ])
        #expect(backend.requests[0].header("host") == "api.internal")
        #expect(backend.requests[2].header("host") != "api.internal")
        await proxy.stop()
        await backend.stop()
    }

    @Test("RequestRedirect is answered by the proxy (302 by default, 301 when asked) with the Location built from the request (absolute-form, so its authority is the Host); nothing reaches a backend")
    func redirect() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("v1") }
        let proxy = try await ProxyHarness(Self.config(backend: backend.address, rules: [
            Self.rule(Self.prefix("/secure"), RouteFilters(redirect: .init(scheme: "https", hostname: "example.com")), backends: []),
            Self.rule(Self.prefix("/moved"), RouteFilters(redirect: .init(
                port: 8443, path: .init(type: .replacePrefixMatch, value: "/v2", matchedPrefix: "/moved"), statusCode: 301)),
                      backends: []),
            Self.rule(nil, RouteFilters()),
        ]))
        let (secure, moved, plain) = try await offPool {
            (try proxy.get("http://web:8080/secure/login?next=%2F"),
             try proxy.get("http://web:8080/moved/page"),
             try proxy.get("/elsewhere"))
        }
        #expect(secure.status == 302)
        #expect(secure.header("location") == "https://example.com/secure/login?next=%2F")
        #expect(moved.status == 301)
        #expect(moved.header("location") == "http://web:8443/v2/page")
        #expect(plain.status == 200)
        #expect(backend.requests.count == 1)
        await proxy.stop()
        await backend.stop()
    }

    @Test("the proxy refuses a configuration with a bad filter, naming each field")
    func badFilters() throws {
        let config = Self.config(backend: "127.0.0.1:1", rules: [
            Self.rule(nil, RouteFilters(
                requestHeaders: .init(set: [.init(name: "bad name", value: "x\r\ninjected: 1")], remove: ["content-length"]),
                redirect: .init(scheme: "ftp", statusCode: 304))),
        ])
        let problems = Self.problems(config)
        #expect(problems.contains("splits[0].rules[0].filters.requestHeaders.set[0].name"))
        #expect(problems.contains("splits[0].rules[0].filters.requestHeaders.set[0].value"))
        #expect(problems.contains("splits[0].rules[0].filters.requestHeaders.remove[0]"))
        #expect(problems.contains("splits[0].rules[0].filters.redirect.scheme"))
        #expect(problems.contains("splits[0].rules[0].filters.redirect.statusCode"))
        #expect(problems.contains("splits[0].rules[0].backends"))
    }

    static func problems(_ config: SidecarConfiguration) -> [String] {
        do {
            try config.validate()
            return []
        } catch {
            return error.problems.map(\.path)
        }
    }
}
