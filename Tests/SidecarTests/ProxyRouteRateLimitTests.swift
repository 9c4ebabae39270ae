import Foundation
import Sidecar
import SidecarConfig
import Testing

/// A RateLimit on one HTTPRoute rule (an ExtensionRef filter) through a real proxy: the proxy that routes the rule
/// keeps its bucket; the rule's requests past it get 429 with Retry-After, counted; other rules are not limited.
@Suite("Proxy per-route rate limit", .serialized)
struct ProxyRouteRateLimitTests {
    static func config(backend: String, limit: RateLimitConfig) -> SidecarConfiguration {
        var limited = ProxyHTTPRouteTests.rule("api", RouteMatch(name: "api", pathRegex: "\\/api(/.*)?"), [("v1", 1)])
        limited.filters = RouteFilters(rateLimit: limit)
        return ProxyHTTPRouteTests.config(v1: backend, v2: backend, slow: backend, rules: [
            limited, ProxyHTTPRouteTests.rule("rest", nil, [("v2", 1)]),
        ])
    }

    @Test("burst 3 at 1/s: three /api requests pass, the fourth gets 429 with Retry-After 1 and is counted; / is not limited")
    func burstThen429() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("web") }
        let proxy = try await ProxyHarness(Self.config(backend: backend.address, limit: .init(requestsPerSecond: 1, burst: 3)))
        let (api, other) = try await offPool {
            (try (0..<4).map { _ in try proxy.get("/api/x") }, try (0..<6).map { _ in try proxy.get("/").status })
        }
        #expect(api.map(\.status) == [200, 200, 200, 429])
        #expect(api[3].header("retry-after") == "1")
        #expect(api[3].header("x-mesh-reason") == "rate-limited")
        #expect(other == Array(repeating: 200, count: 6))
        #expect(backend.requests.count == 9)
        let metrics = await proxy.server.metricsText()
        #expect(metrics.contains(#"mesh_local_responses_total{service="v1",reason="rate-limited"} 1"#), "\(metrics)")
        await proxy.stop()
        await backend.stop()
    }

    /// Accuracy: one keep-alive client offers requests as fast as the proxy answers for a bounded run (3 s, at most
    /// 100,000 requests); what passes is the burst plus the rate over the run, within 5 %.
    @Test("100/s with burst 20, offered far faster for 3 s: burst + rate × time pass, within 5 %")
    func accuracy() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("web") }
        let proxy = try await ProxyHarness(Self.config(backend: backend.address, limit: .init(requestsPerSecond: 100, burst: 20)))
        let (passed, limited, seconds) = try await offPool { () throws -> (Int, Int, Double) in
            let client = try RawClient(port: proxy.port)
            var passed = 0
            var limited = 0
            let start = Date()
            var last = start
            for _ in 0..<100_000 {
                let status = try client.request("GET", "/api/x", headers: []).status
                last = Date()
                if status == 200 { passed += 1 } else if status == 429 { limited += 1 }
                if last.timeIntervalSince(start) >= 3 { break }
            }
            return (passed, limited, last.timeIntervalSince(start))
        }
        let expected = 20 + 100 * seconds
        print("per-route rate limit: \(passed) passed, \(limited) limited over \(seconds) s; expected \(expected)")
        #expect(abs(Double(passed) - expected) <= 0.05 * expected, "passed \(passed), expected \(expected) over \(seconds) s")
        #expect(limited > passed, "the run must offer more than the limit: \(limited) limited")
        let metrics = await proxy.server.metricsText()
        #expect(metrics.contains(#"mesh_local_responses_total{service="v1",reason="rate-limited"} \#(limited)"#))
        await proxy.stop()
        await backend.stop()
    }
}
