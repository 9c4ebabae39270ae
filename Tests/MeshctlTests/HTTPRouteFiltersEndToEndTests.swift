import Foundation
import Testing

/// Each HTTPRoute filter from a manifest to a real socket: `meshctl apply` of a route on `web`, a real operator and
/// gateway, and two test servers as the `api` and `shadow` Services' endpoints that record what reached them.
/// Requests go to web's port on the gateway (the caller-side proxy that routes the rules).
@Suite("HTTPRoute filters end to end", .serialized)
struct HTTPRouteFiltersEndToEndTests {
    static func manifests(web: Int, api: (port: Int, endpoint: Int), shadow: (port: Int, endpoint: Int)) -> String {
        """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web}
        spec: {port: \(web)}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: api}
        spec: {port: \(api.port), endpoints: ["127.0.0.1:\(api.endpoint)"]}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: shadow}
        spec: {port: \(shadow.port), endpoints: ["127.0.0.1:\(shadow.endpoint)"]}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: RateLimit
        metadata: {name: slow}
        spec: {requestsPerSecond: 1, burst: 2}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web}
        spec:
          parentRefs: [{group: "", kind: Service, name: web, port: 80}]
          rules:
          - matches: [{path: {type: PathPrefix, value: /headers}}]
            filters:
            - type: RequestHeaderModifier
              requestHeaderModifier:
                set: [{name: x-env, value: prod}]
                add: [{name: x-added, value: "1"}]
                remove: [x-debug]
            - type: ResponseHeaderModifier
              responseHeaderModifier:
                set: [{name: x-served-by, value: meshctl}]
            backendRefs: [{name: api, port: 80}]
          - matches: [{path: {type: PathPrefix, value: /v1}}]
            filters:
            - type: URLRewrite
              urlRewrite:
                hostname: api.internal
                path: {type: ReplacePrefixMatch, replacePrefixMatch: /api/v1}
            backendRefs: [{name: api, port: 80}]
          - matches: [{path: {type: PathPrefix, value: /old}}]
            filters:
            - type: RequestRedirect
              requestRedirect:
                path: {type: ReplaceFullPath, replaceFullPath: /new}
                statusCode: 301
          - matches: [{path: {type: PathPrefix, value: /mirrored}}]
            filters:
            - type: RequestMirror
              requestMirror:
                backendRef: {name: shadow, port: 80}
            backendRefs: [{name: api, port: 80}]
          - matches: [{path: {type: PathPrefix, value: /limited}}]
            filters:
            - type: ExtensionRef
              extensionRef: {group: mesh.meshctl.dev, kind: RateLimit, name: slow}
            backendRefs: [{name: api, port: 80}]

        """
    }

    /// The request received whose request line starts with `start`, if any.
    static func request(_ server: TinyWebhookServer, _ start: String) -> String? {
        server.received.last { $0.hasPrefix(start) }
    }

    static func field(_ request: String?, _ name: String) -> [String] {
        (request ?? "").split(separator: "\r\n").filter { $0.lowercased().hasPrefix(name + ":") }
            .map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
    }

    @Test func eachFilterActsOnRealRequestsThroughTheGateway() throws {
        let api = try TinyWebhookServer()
        defer { api.stop() }
        let shadow = try TinyWebhookServer()
        defer { shadow.stop() }
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let web = OperatorHarness.freePort()
        try harness.write("mesh.yaml", Self.manifests(web: web, api: (OperatorHarness.freePort(), api.port),
                                                      shadow: (OperatorHarness.freePort(), shadow.port)))
        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 0, "\(apply.stderr)")

        // RequestHeaderModifier and ResponseHeaderModifier: the backend sees the edits, the client the set field.
        var answer: (status: Int, version: String, field: String?)?
        let routed = harness.eventually(60) {
            answer = HeaderGet.get(port: web, host: "web", path: "/headers/a", headers: ["x-debug: 1", "x-env: dev"],
                                   field: "x-served-by")
            return answer?.status == 200 && answer?.field == "meshctl"
        }
        try #require(routed, "\(String(describing: answer))")
        let edited = Self.request(api, "GET /headers/a ")
        #expect(Self.field(edited, "x-env") == ["prod"], "\(edited ?? "")")
        #expect(Self.field(edited, "x-added") == ["1"])
        #expect(Self.field(edited, "x-debug").isEmpty)

        // URLRewrite: the backend sees the new prefix (query kept) and Host; the client asked for /v1.
        #expect(HeaderGet.get(port: web, host: "web", path: "/v1/items?q=1")?.status == 200)
        let rewritten = Self.request(api, "GET /api/v1/items?q=1 ")
        #expect(rewritten != nil, "\(api.received.map { $0.prefix(40) })")
        #expect(Self.field(rewritten, "host") == ["api.internal"])

        // RequestRedirect: the proxy answers 301 with the Location; nothing reaches a backend.
        let before = api.received.count
        let redirect = HeaderGet.get(port: web, host: "web", path: "/old/page", field: "location")
        #expect(redirect?.status == 301)
        #expect(redirect?.field == "http://web/new", "\(String(describing: redirect))")
        #expect(api.received.count == before)

        // RequestMirror: the client gets the primary's answer, and a copy of the request reaches shadow.
        #expect(HeaderGet.get(port: web, host: "web", path: "/mirrored/x")?.status == 200)
        #expect(Self.request(api, "GET /mirrored/x ") != nil)
        #expect(harness.eventually(10) { Self.request(shadow, "GET /mirrored/x ") != nil },
                "\(shadow.received.map { $0.prefix(40) })")
        #expect(Self.request(shadow, "GET /headers/") == nil, "only the mirrored rule is copied")

        // ExtensionRef RateLimit (1/s, burst 2): a quick third request is a 429 with Retry-After; others unlimited.
        let limited = (0..<3).map { _ in HeaderGet.get(port: web, host: "web", path: "/limited", field: "retry-after") }
        #expect(limited.map { $0?.status } == [200, 200, 429], "\(limited)")
        #expect(limited.last??.field == "1")
        #expect(HeaderGet.get(port: web, host: "web", path: "/headers/b")?.status == 200)

        // Bad input, all in one apply: a route to an unknown Service, weights summing to 0, a regex that does not
        // compile, a fault at 150 %. Each is refused at its line and nothing is applied: the route above still acts.
        try harness.write("bad.yaml", """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: web}
            spec:
              parentRefs: [{name: web}]
              rules:
              - matches: [{path: {type: RegularExpression, value: "/(x"}}]
                backendRefs: [{name: nosuch, port: 80}]
              - backendRefs: [{name: api, port: 80, weight: 0}]
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: FaultInjection
            metadata: {name: web-chaos}
            spec:
              service: web
              abort: {httpStatus: 503, percentage: 150}

            """)
        let bad = try harness.meshctl(["apply", "-f", harness.manifests + "/bad.yaml"])
        #expect(bad.status != 0)
        let lines = bad.stderr.split(separator: "\n").map(String.init)
        for expected in [
            #"bad.yaml:7:55: error: spec.rules[0].matches[0].path.value: "/(x" is not a valid regular expression"#,
            "bad.yaml:9:5: error: spec.rules[1].backendRefs: weights sum to 0: no request could be routed",
            "bad.yaml:16:40: error: spec.abort.percentage: expected a number from 0 to 100, got 150",
        ] {
            #expect(lines.contains { $0.hasSuffix(expected) }, "\(expected) in \(bad.stderr)")
        }
        #expect(bad.stderr.contains("nothing applied"), "\(bad.stderr)")
        // References are checked once every object is well formed: the unknown Service alone, in its own apply.
        try harness.write("bad.yaml", """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: web}
            spec:
              parentRefs: [{name: web}]
              rules:
              - backendRefs: [{name: nosuch, port: 80}]

            """)
        let unknown = try harness.meshctl(["apply", "-f", harness.manifests + "/bad.yaml"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("bad.yaml:7:")
                    && unknown.stderr.contains(#"error: spec.rules[0].backendRefs[0].name: service "nosuch" is not defined"#),
                "\(unknown.stderr)")
        #expect(try harness.meshctl(["get", "faults"]).stderr.contains("no faults"))
        #expect(HeaderGet.get(port: web, host: "web", path: "/headers/c", field: "x-served-by")?.field == "meshctl")
    }
}
