#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Sidecar
import SidecarConfig
import Synchronization
import Testing

@Suite("Proxy admin endpoint", .serialized)
struct ProxyAdminTests {
    private func json(_ config: SidecarConfiguration) -> String {
        String(decoding: config.encodedJSON(), as: UTF8.self)
    }

    @Test("GET /ready, GET /config, GET /stats, GET /metrics")
    func readAdmin() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok() }
        let proxy = try await ProxyHarness(ProxyHarness.config(version: "abc-1", services: [ServiceConfig(name: "b", endpoints: [backend.address])]))
        let (ready, config, stats) = try await offPool {
            (try proxy.admin("GET", "/ready"), try proxy.admin("GET", "/config"), try proxy.admin("GET", "/stats"))
        }
        let metrics = try await offPool {
            _ = try proxy.get()
            _ = try proxy.get()
            return try proxy.admin("GET", "/metrics").text
        }
        #expect(metrics.contains("mesh_request_duration_seconds_count{service=\"b\"} 2"))
        #expect(metrics.contains("mesh_request_duration_seconds_bucket{service=\"b\",le=\"+Inf\"} 2"))
        #expect(metrics.contains("mesh_requests_total{service=\"b\",backend=\"\(backend.address)\",code=\"2xx\"} 2"))
        #expect(ready.status == 200)
        let decoded = try SidecarConfiguration.decode(json: Data(config.body))
        #expect(decoded.version == "abc-1")
        #expect(stats.text.contains("\"version\" : \"abc-1\""))
        await proxy.stop()
        await backend.stop()
    }

    @Test("a bad PUT /config is rejected with every problem, and the old configuration keeps serving")
    func badConfigRejected() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("old") }
        let proxy = try await ProxyHarness(ProxyHarness.config(version: "v1", services: [ServiceConfig(name: "b", endpoints: [backend.address])]))
        var bad = ProxyHarness.config(version: "v2", services: [ServiceConfig(name: "b", endpoints: ["nowhere"])])
        bad.retryPolicies = [RetryPolicyConfig(name: "r", service: "ghost", attempts: 0)]
        let body = json(bad)
        let (rejected, after, version) = try await offPool {
            (try proxy.admin("PUT", "/config", body: body), try proxy.get().text, try proxy.admin("GET", "/config").text)
        }
        #expect(rejected.status == 400)
        #expect(rejected.text.contains("services[0].endpoints[0]"))
        #expect(rejected.text.contains("retryPolicies[0].attempts"))
        #expect(after == "old")
        #expect(version.contains("\"version\" : \"v1\""))
        let garbage = try await offPool { try proxy.admin("PUT", "/config", body: "{\"version\": 3}") }
        #expect(garbage.status == 400)
        await proxy.stop()
        await backend.stop()
    }

    @Test("20 hot swaps under concurrent load: no request fails, new requests follow the new config")
    func hotSwapUnderLoad() async throws {
        let a = try await TestBackend { _, _ in .delayed(milliseconds: 2, TestBackend.ok("a")) }
        let b = try await TestBackend { _, _ in .delayed(milliseconds: 2, TestBackend.ok("b")) }
        func config(_ version: Int) -> SidecarConfiguration {
            ProxyHarness.config(version: "v\(version)", services: [
                ServiceConfig(name: "web", endpoints: [version % 2 == 0 ? a.address : b.address])
            ])
        }
        let proxy = try await ProxyHarness(config(0))
        let stop = Shared(false)
        let failures = Shared<[String]>([])
        let loads = (0..<8).map { _ in
            Task {
                try await offPool {
                    let client = try RawClient(port: proxy.port)
                    var count = 0
                    while !stop.value && count < 100_000 {
                        let response = try client.request()
                        if response.status != 200 { failures.update { $0.append(response.head) } }
                        count += 1
                    }
                    return count
                }
            }
        }
        for version in 1...20 {
            let body = json(config(version))
            let reply = try await offPool { try proxy.admin("PUT", "/config", body: body) }
            #expect(reply.status == 200)
            try await Task.sleep(for: .milliseconds(50))
        }
        stop.update { $0 = true }
        var total = 0
        for load in loads { total += try await load.value }
        #expect(total > 100)
        #expect(failures.value.isEmpty)
        // Version 20 is even: new requests go to a.
        let last = try await offPool { try proxy.get().text }
        #expect(last == "a")
        await proxy.stop()
        await a.stop()
        await b.stop()
    }

    @Test("POST /drain: the request in flight finishes, then new connections are refused")
    func drain() async throws {
        let backend = try await TestBackend { _, _ in .delayed(milliseconds: 300, TestBackend.ok("done")) }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])]))
        let inFlight = Task { try await offPool { try proxy.get().text } }
        try await Task.sleep(for: .milliseconds(100))
        let accepted = try await offPool { try proxy.admin("POST", "/drain") }
        #expect(accepted.status == 202)
        #expect(try await inFlight.value == "done")
        await proxy.server.waitUntilStopped()
        #expect(throws: RawClient.Failure.self) { _ = try RawClient(port: proxy.port) }
        await backend.stop()
    }
}
