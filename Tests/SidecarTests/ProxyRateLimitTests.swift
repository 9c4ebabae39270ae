import Foundation
import Sidecar
import SidecarConfig
import Testing

/// Local rate limiting through a real proxy: a service's inbound listener keeps its token bucket.
@Suite("Proxy rate limit (429 with Retry-After)", .serialized)
struct ProxyRateLimitTests {
    @Test("burst 3 at 1/s: three requests reach the backend, the fourth gets 429, Retry-After 1, and is counted")
    func burstThen429() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("web") }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [
            ServiceConfig(name: "web", endpoints: [backend.address],
                          rateLimit: RateLimitConfig(requestsPerSecond: 1, burst: 3)),
        ]))
        let answers = try await offPool { try (0..<4).map { _ in try proxy.get("/") } }
        #expect(answers.map(\.status) == [200, 200, 200, 429])
        #expect(answers[3].header("retry-after") == "1")
        #expect(answers[3].header("x-mesh-reason") == "rate-limited")
        #expect(backend.requests.count == 3)
        let metrics = await proxy.server.metricsText()
        #expect(metrics.contains(#"mesh_local_responses_total{service="web",reason="rate-limited"} 1"#))
        // A token comes back after a second.
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await offPool { try proxy.get("/").status } == 200)
        await proxy.stop()
        await backend.stop()
    }

    @Test("a caller-side (outbound) listener does not apply the service's rate limit: its replicas' sidecars do")
    func onlyInbound() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("web") }
        var config = ProxyHarness.config(services: [
            ServiceConfig(name: "web", endpoints: [backend.address],
                          rateLimit: RateLimitConfig(requestsPerSecond: 1, burst: 1)),
        ])
        config.listeners[0].kind = .outbound
        let proxy = try await ProxyHarness(config)
        let statuses = try await offPool { try (0..<3).map { _ in try proxy.get("/").status } }
        #expect(statuses == [200, 200, 200])
        await proxy.stop()
        await backend.stop()
    }

    @Test("a rate or burst out of range is refused with its path; an unused limit leaves the JSON as it was")
    func validation() throws {
        var config = ProxyHarness.config(services: [
            ServiceConfig(name: "web", endpoints: ["127.0.0.1:1"], rateLimit: RateLimitConfig(requestsPerSecond: 0, burst: 5)),
        ])
        #expect(throws: ConfigError.self) { try config.validate() }
        do { try config.validate() } catch {
            #expect(error.problems.map(\.path) == ["services[0].rateLimit.requestsPerSecond"])
        }
        config.services[0].rateLimit = nil
        #expect(!String(decoding: config.encodedJSON(), as: UTF8.self).contains("rateLimit"))
    }
}
