import Foundation
import Sidecar
import SidecarConfig
import Testing

/// Fields on a stream that is HTTP/2 on both sides (client and `appProtocol: http2` endpoint, python3-h2 at both
/// ends): the head passes as fields where the exchange leaves it alone, and every rule of the exchange still holds —
/// its own fields added, X-Forwarded-For extended, route matches and header filters, trailers both ways.
@Suite(.serialized) struct HTTP2HeadFieldsTests {
    /// The echo endpoint and a proxy in front of it; `rules`: HTTPRoute rules on `web` (its backend `v1`, the endpoint).
    private static func start(rules: [SplitRule] = []) async throws -> (BackgroundProcess, ProxyHarness) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("echo-\(UUID().uuidString).py")
        try H2HeadScripts.echoServer.write(to: file, atomically: true, encoding: .utf8)
        let server = try BackgroundProcess("/usr/bin/python3", [file.path], readyPrefix: "port")
        let endpoint = "127.0.0.1:\(server.readyValue)"
        let config: SidecarConfiguration
        if rules.isEmpty {
            config = ProxyHarness.config(services: [ServiceConfig(name: "web", endpoints: [endpoint], appProtocol: .http2)])
        } else {
            config = SidecarConfiguration(
                version: "v1",
                listeners: [Listener(name: "out", kind: .outbound, address: "127.0.0.1:0", service: "web")],
                services: [
                    ServiceConfig(name: "web", endpoints: [], appProtocol: .http2),
                    ServiceConfig(name: "v1", endpoints: [endpoint], appProtocol: .http2),
                ],
                splits: [TrafficSplitConfig(name: "httproute/web", rootService: "web", backends: [.init(service: "v1", weight: 1)],
                                            rules: rules)],
                defaultRequestTimeout: .seconds(10))
        }
        return (server, try await ProxyHarness(config))
    }

    private static func request(_ proxy: ProxyHarness, _ path: String, _ fields: [String] = []) throws -> [String] {
        let run = try ExternalCommand.python(H2HeadScripts.client, ["\(proxy.port)", path] + fields)
        return run.stdout.split(separator: "\n").map(String.init) + (run.stderr.isEmpty ? [] : ["stderr: \(run.stderr)"])
    }

    @Test func theEndpointGetsTheClientsFieldsAndTheProxysOwnAndTheClientGetsFieldsAndTrailers() async throws {
        let (server, proxy) = try await Self.start()
        defer { server.stop() }
        defer { Task { await proxy.stop() } }
        let lines = try Self.request(proxy, "/p?q=1", ["x-client:c1", "cookie:a=1", "cookie:b=2", "te:trailers"])
        for line in [":method: GET", ":path: /p?q=1", ":scheme: http", ":authority: web", "x-client: c1",
                     "x-forwarded-for: 127.0.0.1", "body 0", "status 200", "field x-up: yes", "field set-cookie: a=1",
                     "field set-cookie: b=2", "trailer x-trailer: t1"] {
            #expect(lines.contains(line), "\(line) missing from \(lines)")
        }
        #expect(lines.contains { $0.hasPrefix("traceparent: 00-") }, "\(lines)")
        // The crumbs, apart or joined (RFC 9113 §8.2.3), both arrive; TE (not for gRPC) does not.
        let cookies = lines.filter { $0.hasPrefix("cookie: ") }.joined(separator: "; ")
        #expect(cookies.contains("a=1") && cookies.contains("b=2"), "\(lines)")
        #expect(!lines.contains { $0.hasPrefix("te: ") }, "\(lines)")
        // Once each: the head went up once, not a copy of the client's plus the proxy's.
        #expect(lines.filter { $0.hasPrefix("x-client: ") }.count == 1 && lines.filter { $0.hasPrefix(":path: ") }.count == 1)
    }

    @Test func anXForwardedForFromTheClientIsExtendedAndATraceparentContinued() async throws {
        let (server, proxy) = try await Self.start()
        defer { server.stop() }
        defer { Task { await proxy.stop() } }
        let parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        let lines = try Self.request(proxy, "/", ["x-forwarded-for:10.1.2.3", "traceparent:\(parent)"])
        #expect(lines.contains("x-forwarded-for: 10.1.2.3, 127.0.0.1"), "\(lines)")
        #expect(lines.filter { $0.hasPrefix("x-forwarded-for: ") }.count == 1, "\(lines)")
        let traces = lines.filter { $0.hasPrefix("traceparent: ") }
        #expect(traces.count == 1 && traces[0].hasPrefix("traceparent: 00-0af7651916cd43dd8448eb211c80319c-"), "\(lines)")
    }

    @Test func aBodyWithoutALengthAndItsTrailersReachTheEndpoint() async throws {
        let (server, proxy) = try await Self.start()
        defer { server.stop() }
        defer { Task { await proxy.stop() } }
        let lines = try Self.request(proxy, "/upload", ["body:50000", "content-type:application/octet-stream"])
        for line in [":method: POST", "body 50000", "trailer x-req-trailer: r1", "status 200", "trailer x-trailer: t1"] {
            #expect(lines.contains(line), "\(line) missing from \(lines)")
        }
        #expect(!lines.contains { $0.hasPrefix("transfer-encoding") || $0.hasPrefix("content-length: ") }, "\(lines)")
    }

    @Test func routeMatchesAndHeaderFiltersApplyToTheFields() async throws {
        let canary = RouteFilters(
            requestHeaders: .init(set: [.init(name: "x-rule", value: "canary")], remove: ["x-drop"]),
            responseHeaders: .init(add: [.init(name: "x-route", value: "canary")], remove: ["x-up"]))
        let (server, proxy) = try await Self.start(rules: [
            SplitRule(name: "canary", match: RouteMatch(name: "canary", headers: ["x-canary": "yes"]),
                      backends: [.init(service: "v1", weight: 1)], filters: canary),
            SplitRule(name: "api", match: RouteMatch(name: "api", pathRegex: "\\/api(/.*)?"),
                      backends: [.init(service: "v1", weight: 1)]),
        ])
        defer { server.stop() }
        defer { Task { await proxy.stop() } }
        let matched = try Self.request(proxy, "/x", ["x-canary:yes", "x-drop:d", "x-keep:k"])
        #expect(matched.contains("x-rule: canary") && matched.contains("x-keep: k"), "\(matched)")
        #expect(!matched.contains { $0.hasPrefix("x-drop") }, "\(matched)")
        #expect(matched.contains("field x-route: canary") && !matched.contains("field x-up: yes"), "\(matched)")
        #expect(matched.contains("trailer x-trailer: t1"), "\(matched)")
        let plain = try Self.request(proxy, "/api/users", ["x-drop:d"])
        #expect(plain.contains("x-drop: d") && !plain.contains { $0.hasPrefix("x-rule") }, "\(plain)")
        #expect(plain.contains("field x-up: yes") && !plain.contains("field x-route: canary"), "\(plain)")
        let none = try Self.request(proxy, "/other")
        #expect(none.contains("status 404"), "\(none)")
    }
}
