#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Sidecar
import SidecarConfig
import Testing

@Suite("A configuration the proxy cannot fully use degrades only the affected routes", .serialized)
struct ProxyDegradedRouteTests {
    @Test("a split naming an undefined service: its root answers 503 degraded, other routes serve, GET /config lists it")
    func splitWithUnknownBackend() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("fine\n") }
        let config = SidecarConfiguration(
            version: "v1",
            listeners: [Listener(name: "out", kind: .outbound, address: "127.0.0.1:0")],
            services: [ServiceConfig(name: "web", endpoints: [backend.address]),
                       ServiceConfig(name: "web-v1", endpoints: [backend.address]),
                       ServiceConfig(name: "api", endpoints: [backend.address])],
            splits: [TrafficSplitConfig(name: "web-canary", rootService: "web",
                                        backends: [.init(service: "web-v1", weight: 90), .init(service: "web-v2", weight: 10)])],
            retryPolicies: [RetryPolicyConfig(name: "gone", service: "ghost")])
        #expect(throws: Never.self) { try config.validate() }
        let proxy = try await ProxyHarness(config)
        let (web, api, admin) = try await offPool {
            func get(_ host: String) throws -> RawClient.Response {
                let client = try RawClient(port: proxy.port)
                client.send("GET / HTTP/1.1\r\nhost: \(host)\r\n\r\n")
                return try client.readResponse()
            }
            return (try get("web"), try get("api"), try proxy.admin("GET", "/config"))
        }
        #expect(web.status == 503)
        #expect(web.header("x-mesh-reason") == "degraded")
        #expect(web.text.contains("web-v2"))
        #expect(api.status == 200)
        #expect(api.text == "fine\n")
        struct Answer: Decodable { var version: String; var degraded: [DegradedRoute] }
        let answer = try JSONDecoder().decode(Answer.self, from: Data(admin.body))
        #expect(answer.version == "v1")
        #expect(answer.degraded.map(\.path) == ["splits[0].backends[1].service", "retryPolicies[0].service"])
        #expect(answer.degraded[0].reason.contains("web-v2"))
        // The operator's reader still decodes the answer as a configuration.
        #expect(try SidecarConfiguration.decode(json: Data(admin.body)).splits.count == 1)
        await proxy.stop()
        await backend.stop()
    }

    @Test("a PUT naming an undefined service is applied; the route comes back once the service is defined")
    func degradedThenRepaired() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("ok\n") }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])]))
        let broken = ProxyHarness.config(version: "v2", services: [ServiceConfig(name: "other", endpoints: [backend.address])],
                                         listenerService: "b")
        let repaired = ProxyHarness.config(version: "v3", services: [ServiceConfig(name: "b", endpoints: [backend.address])])
        let brokenJSON = String(decoding: broken.encodedJSON(), as: UTF8.self)
        let repairedJSON = String(decoding: repaired.encodedJSON(), as: UTF8.self)
        let (put, during, config, putBack, after) = try await offPool {
            let put = try proxy.admin("PUT", "/config", body: brokenJSON)
            let during = try proxy.get()
            let config = try proxy.admin("GET", "/config").text
            let putBack = try proxy.admin("PUT", "/config", body: repairedJSON)
            return (put, during, config, putBack, try proxy.get())
        }
        #expect(put.status == 200)
        #expect(during.status == 503)
        #expect(during.header("x-mesh-reason") == "degraded")
        #expect(config.contains("listeners[0].service"))
        #expect(putBack.status == 200)
        #expect(after.status == 200)
        await proxy.stop()
        await backend.stop()
    }
}
