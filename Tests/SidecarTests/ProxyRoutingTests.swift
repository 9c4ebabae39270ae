import Sidecar
import SidecarConfig
import Synchronization
import Testing

@Suite("Proxy routing, retries and circuit breaking", .serialized)
struct ProxyRoutingTests {
    @Test("a TrafficSplit 80/20 sends each backend its share within 2 points, smoothly interleaved")
    func splitShares() async throws {
        let stable = try await TestBackend { _, _ in TestBackend.ok("stable") }
        let canary = try await TestBackend { _, _ in TestBackend.ok("canary") }
        let config = ProxyHarness.config(
            services: [
                ServiceConfig(name: "web", endpoints: [stable.address]),
                ServiceConfig(name: "web-stable", endpoints: [stable.address]),
                ServiceConfig(name: "web-canary", endpoints: [canary.address]),
            ],
            splits: [TrafficSplitConfig(name: "s", rootService: "web", backends: [
                .init(service: "web-stable", weight: 80), .init(service: "web-canary", weight: 20),
            ])])
        let proxy = try await ProxyHarness(config)
        let answers = try await offPool {
            let client = try RawClient(port: proxy.port)
            return try (0..<500).map { _ in try client.request().text }
        }
        let canaryShare = Double(answers.filter { $0 == "canary" }.count) / Double(answers.count)
        #expect(abs(canaryShare - 0.20) <= 0.02)
        // Smooth: never more than 4 stable answers in a row at 80/20.
        var run = 0
        var longest = 0
        for answer in answers {
            run = answer == "stable" ? run + 1 : 0
            longest = max(longest, run)
        }
        #expect(longest <= 4)
        await proxy.stop()
        await stable.stop()
        await canary.stop()
    }

    @Test("HTTPRouteGroup matches send matching requests to the split and the rest to the root service")
    func routeMatches() async throws {
        let root = try await TestBackend { _, _ in TestBackend.ok("root") }
        let beta = try await TestBackend { _, _ in TestBackend.ok("beta") }
        let config = ProxyHarness.config(
            services: [
                ServiceConfig(name: "web", endpoints: [root.address]),
                ServiceConfig(name: "web-beta", endpoints: [beta.address]),
            ],
            splits: [TrafficSplitConfig(name: "ab", rootService: "web", backends: [.init(service: "web-beta", weight: 1)],
                matches: [RouteMatch(name: "beta-users", pathRegex: "/api/.*", methods: ["GET"], headers: ["x-user": "beta-.*"])])])
        let proxy = try await ProxyHarness(config)
        let answers = try await offPool {
            [
                try proxy.get("/api/x", headers: ["X-User: beta-7"]).text,
                try proxy.get("/api/x", headers: ["X-User: alpha"]).text,
                try proxy.get("/other", headers: ["X-User: beta-7"]).text,
                try proxy.get("/api/x", method: "DELETE", headers: ["X-User: beta-7"]).text,
            ]
        }
        #expect(answers == ["beta", "root", "root", "root"])
        await proxy.stop()
        await root.stop()
        await beta.stop()
    }

    @Test("a retry goes to another endpoint than the one that just failed")
    func retryElsewhere() async throws {
        let failing = try await TestBackend { _, _ in TestBackend.ok("down", status: 503) }
        let healthy = try await TestBackend { _, _ in TestBackend.ok("up") }
        let config = ProxyHarness.config(
            services: [ServiceConfig(name: "b", endpoints: [failing.address, healthy.address], loadBalancer: .roundRobin)],
            retryPolicies: [RetryPolicyConfig(name: "r", service: "b", attempts: 2, backoff: .init(base: .milliseconds(1), max: .milliseconds(2), jitter: 0),
                budget: .init(percent: 100, minRetriesPerSecond: 100))])
        let proxy = try await ProxyHarness(config)
        let answers = try await offPool {
            let client = try RawClient(port: proxy.port)
            return try (0..<20).map { _ in try client.request().text }
        }
        #expect(answers.allSatisfy { $0 == "up" })
        #expect(failing.requests.count >= 5)
        await proxy.stop()
        await failing.stop()
        await healthy.stop()
    }

    @Test("a try slower than perTryTimeout is abandoned and retried on another endpoint")
    func perTryTimeoutRetries() async throws {
        let slow = try await TestBackend { _, _ in .delayed(milliseconds: 3000, TestBackend.ok("slow")) }
        let fast = try await TestBackend { _, _ in TestBackend.ok("fast") }
        let config = ProxyHarness.config(
            services: [ServiceConfig(name: "b", endpoints: [slow.address, fast.address], loadBalancer: .roundRobin)],
            retryPolicies: [RetryPolicyConfig(name: "r", service: "b", attempts: 2, perTryTimeout: .milliseconds(150), timeout: .seconds(2),
                backoff: .init(base: .milliseconds(1), max: .milliseconds(2), jitter: 0), budget: .init(percent: 100, minRetriesPerSecond: 100))])
        let proxy = try await ProxyHarness(config)
        let answers = try await offPool { try (0..<4).map { _ in try proxy.get().text } }
        #expect(answers == ["fast", "fast", "fast", "fast"])
        #expect(slow.requests.count >= 1)
        await proxy.stop()
        await slow.stop()
        await fast.stop()
    }

    @Test("POST is not retried by default")
    func nonIdempotentNotRetried() async throws {
        let failing = try await TestBackend { _, _ in TestBackend.ok("down", status: 503) }
        let healthy = try await TestBackend { _, _ in TestBackend.ok("up") }
        let config = ProxyHarness.config(
            services: [ServiceConfig(name: "b", endpoints: [failing.address, healthy.address], loadBalancer: .roundRobin)],
            retryPolicies: [RetryPolicyConfig(name: "r", service: "b", attempts: 3, budget: .init(percent: 100, minRetriesPerSecond: 100))])
        let proxy = try await ProxyHarness(config)
        let statuses = try await offPool {
            let client = try RawClient(port: proxy.port)
            return try (0..<4).map { _ in try client.request("POST", "/pay", body: "1").status }
        }
        #expect(statuses.filter { $0 == 503 }.count == 2)
        await proxy.stop()
        await failing.stop()
        await healthy.stop()
    }

    @Test("against a 50%-failing backend, upstream requests stay within (1 + budget) × client requests")
    func retryBudgetBound() async throws {
        let backend = try await TestBackend { _, i in i % 2 == 0 ? TestBackend.ok("e", status: 500) : TestBackend.ok() }
        let config = ProxyHarness.config(
            services: [ServiceConfig(name: "b", endpoints: [backend.address])],
            retryPolicies: [RetryPolicyConfig(name: "r", service: "b", attempts: 5, retryOn: [.serverError],
                backoff: .init(base: .milliseconds(0), max: .milliseconds(0), jitter: 0), budget: .init(percent: 20, minRetriesPerSecond: 0))])
        let proxy = try await ProxyHarness(config)
        let clientRequests = 400
        _ = try await offPool {
            let client = try RawClient(port: proxy.port)
            return try (0..<clientRequests).map { _ in try client.request().status }
        }
        let upstream = backend.requests.count
        #expect(upstream > clientRequests, "some retries happened")
        #expect(Double(upstream) <= 1.2 * Double(clientRequests) + 1)
        let metrics = try await offPool { try proxy.admin("GET", "/metrics").text }
        #expect(metrics.contains("mesh_retries_budget_exhausted_total{service=\"b\"}"))
        await proxy.stop()
        await backend.stop()
    }

    @Test("consecutive failures eject an endpoint; the ejection shows in /metrics and traffic avoids it")
    func ejection() async throws {
        let bad = try await TestBackend { _, _ in TestBackend.ok("bad", status: 500) }
        let good = try await TestBackend { _, _ in TestBackend.ok("good") }
        let config = ProxyHarness.config(services: [ServiceConfig(
            name: "b", endpoints: [bad.address, good.address], loadBalancer: .roundRobin,
            outlierDetection: OutlierDetection(consecutive5xxErrors: 3, baseEjectionTime: .seconds(30), maxEjectionPercent: 50))])
        let proxy = try await ProxyHarness(config)
        let answers = try await offPool {
            let client = try RawClient(port: proxy.port)
            return try (0..<30).map { _ in try client.request().text }
        }
        #expect(answers.filter { $0 == "bad" }.count == 3)
        let metrics = try await offPool { try proxy.admin("GET", "/metrics").text }
        #expect(metrics.contains("mesh_ejections_total{service=\"b\",backend=\"\(bad.address)\"} 1"))
        #expect(metrics.contains("mesh_endpoint_ejected{service=\"b\",backend=\"\(bad.address)\"} 1"))
        await proxy.stop()
        await bad.stop()
        await good.stop()
    }
}

@Suite("Proxy active health checks", .serialized)
struct ProxyHealthCheckTests {
    @Test("an endpoint failing its health check gets no traffic, and /metrics shows it unhealthy")
    func unhealthyEndpointAvoided() async throws {
        let sick = try await TestBackend { request, _ in
            request.requestLine.contains("/healthz") ? TestBackend.ok("no", status: 503) : TestBackend.ok("sick")
        }
        let well = try await TestBackend { _, _ in TestBackend.ok("well") }
        let check = HealthCheck(path: "/healthz", interval: .milliseconds(50), timeout: .milliseconds(500), healthyThreshold: 1, unhealthyThreshold: 1)
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [ServiceConfig(
            name: "b", endpoints: [sick.address, well.address], loadBalancer: .roundRobin, healthCheck: check)]))
        // Bounded wait for the first checks to complete.
        var metrics = ""
        for _ in 0..<50 {
            metrics = try await offPool { try proxy.admin("GET", "/metrics").text }
            if metrics.contains("mesh_endpoint_healthy{service=\"b\",backend=\"\(sick.address)\"} 0") { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(metrics.contains("mesh_endpoint_healthy{service=\"b\",backend=\"\(sick.address)\"} 0"))
        let answers = try await offPool {
            let client = try RawClient(port: proxy.port)
            return try (0..<10).map { _ in try client.request().text }
        }
        #expect(answers.allSatisfy { $0 == "well" })
        #expect(sick.requests.allSatisfy { $0.requestLine.contains("/healthz") })
        await proxy.stop()
        await sick.stop()
        await well.stop()
    }
}

@Suite("Proxy listeners", .serialized)
struct ProxyListenerTests {
    @Test("outbound routes by Host header; gateway by Host and path prefix, first match wins")
    func outboundAndGateway() async throws {
        let api = try await TestBackend { _, _ in TestBackend.ok("api") }
        let web = try await TestBackend { _, _ in TestBackend.ok("web") }
        let config = SidecarConfiguration(
            version: "g",
            listeners: [
                Listener(name: "out", kind: .outbound, address: "127.0.0.1:0"),
                Listener(name: "gw", kind: .gateway, address: "127.0.0.1:0", routes: [
                    GatewayRoute(host: "shop.local", pathPrefix: "/api", service: "api"),
                    GatewayRoute(host: nil, pathPrefix: "/", service: "web"),
                ]),
            ],
            services: [
                ServiceConfig(name: "api", hosts: ["api.internal"], endpoints: [api.address]),
                ServiceConfig(name: "web", endpoints: [web.address]),
            ])
        let server = ProxyServer(configuration: config)
        let bound = try await server.start()
        let out = bound.first { $0.name == "out" }!.address.port
        let gw = bound.first { $0.name == "gw" }!.address.port
        @Sendable func ask(_ port: Int, _ host: String, _ path: String) throws -> String {
            let client = try RawClient(port: port)
            client.send("GET \(path) HTTP/1.1\r\nhost: \(host)\r\n\r\n")
            return try client.readResponse().text
        }
        let answers = try await offPool {
            [
                try ask(out, "api:8080", "/"), try ask(out, "API.internal", "/x"), try ask(out, "web", "/"),
                try ask(gw, "shop.local", "/api/v1"), try ask(gw, "shop.local", "/home"), try ask(gw, "other", "/api"),
            ]
        }
        #expect(answers == ["api", "api", "web", "api", "web", "web"])
        await server.drain(timeout: .seconds(2))
        await api.stop()
        await web.stop()
    }
}
