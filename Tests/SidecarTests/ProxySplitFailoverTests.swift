import Sidecar
import SidecarConfig
import Testing

/// A split backend that cannot take a request (no endpoint yet: a canary whose one replica is restarting) gives its
/// share to the others instead of answering it with 503.
@Suite("split failover", .serialized)
struct ProxySplitFailoverTests {
    @Test func aBackendWithNoEndpointGivesItsShareToTheOthers() async throws {
        let stable = try await TestBackend { _, _ in TestBackend.ok("stable\n") }
        let config = SidecarConfiguration(
            version: "v1",
            listeners: [Listener(name: "out", kind: .outbound, address: "127.0.0.1:0")],
            services: [ServiceConfig(name: "web", endpoints: [stable.address]),
                       ServiceConfig(name: "web-v1", endpoints: [stable.address]),
                       ServiceConfig(name: "web-v2", endpoints: [])],
            splits: [TrafficSplitConfig(name: "web-split", rootService: "web", backends: [
                .init(service: "web-v1", weight: 50), .init(service: "web-v2", weight: 50)])])
        let proxy = try await ProxyHarness(config)
        let statuses = try await offPool {
            let client = try RawClient(port: proxy.port)
            return try (0..<20).map { _ in
                client.send("GET / HTTP/1.1\r\nhost: web\r\n\r\n")
                return try client.readResponse().status
            }
        }
        #expect(statuses == Array(repeating: 200, count: 20))
        #expect(stable.requests.count == 20)
        await proxy.stop()
        await stable.stop()
    }

    @Test func whenNoBackendCanServeTheAnswerIs503() async throws {
        let config = SidecarConfiguration(
            version: "v1",
            listeners: [Listener(name: "out", kind: .outbound, address: "127.0.0.1:0")],
            services: [ServiceConfig(name: "web", endpoints: []),
                       ServiceConfig(name: "web-v1", endpoints: []),
                       ServiceConfig(name: "web-v2", endpoints: [])],
            splits: [TrafficSplitConfig(name: "web-split", rootService: "web", backends: [
                .init(service: "web-v1", weight: 50), .init(service: "web-v2", weight: 50)])])
        let proxy = try await ProxyHarness(config)
        let status = try await offPool {
            let client = try RawClient(port: proxy.port)
            client.send("GET / HTTP/1.1\r\nhost: web\r\n\r\n")
            return try client.readResponse().status
        }
        #expect(status == 503)
        await proxy.stop()
    }
}
