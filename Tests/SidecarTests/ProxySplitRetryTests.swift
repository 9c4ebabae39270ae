import Sidecar
import SidecarConfig
import Testing

/// A RetryPolicy on a split's root covers the requests the split sends to its backends: the caller addressed the
/// root (examples/canary/retries.yaml puts its policy on `web`). bench/chaos found it did nothing: the proxy used the
/// policy of the backend the split picked, and that backend had none.
@Suite("retries through a split", .serialized)
struct ProxySplitRetryTests {
    @Test func theRootsPolicyRetriesABackendWithoutOne() async throws {
        // The first request fails with 503; the retry succeeds.
        let backend = try await TestBackend { _, count in count == 1 ? TestBackend.ok("busy\n", status: 503) : TestBackend.ok("fine\n") }
        let config = SidecarConfiguration(
            version: "v1",
            listeners: [Listener(name: "out", kind: .outbound, address: "127.0.0.1:0")],
            services: [ServiceConfig(name: "web", endpoints: [backend.address]),
                       ServiceConfig(name: "web-v1", endpoints: [backend.address])],
            splits: [TrafficSplitConfig(name: "web-split", rootService: "web", backends: [.init(service: "web-v1", weight: 100)])],
            retryPolicies: [RetryPolicyConfig(name: "web-retries", service: "web", attempts: 3)])
        let proxy = try await ProxyHarness(config)
        let reply = try await offPool {
            let client = try RawClient(port: proxy.port)
            client.send("GET / HTTP/1.1\r\nhost: web\r\n\r\n")
            return try client.readResponse()
        }
        #expect(reply.status == 200)
        #expect(reply.text == "fine\n")
        #expect(backend.requests.count == 2)
        await proxy.stop()
        await backend.stop()
    }
}
