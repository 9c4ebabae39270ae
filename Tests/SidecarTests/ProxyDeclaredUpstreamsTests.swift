#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Sidecar
import SidecarConfig
import Testing

/// An outbound listener of a workload that declared its upstreams (`spec.upstreams`): the declared hosts route,
/// any other host gets 503 saying what to declare — not the 404 of a host nobody knows.
@Suite("Declared upstreams on the outbound listener", .serialized)
struct ProxyDeclaredUpstreamsTests {
    @Test func anUndeclaredHostGets503WithTheReason() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("fine\n") }
        func config(upstreams: [String]?) -> SidecarConfiguration {
            SidecarConfiguration(
                version: "v1",
                listeners: [Listener(name: "outbound", kind: .outbound, address: "127.0.0.1:0", upstreams: upstreams)],
                services: [ServiceConfig(name: "api", endpoints: [backend.address])],
                splits: [], retryPolicies: [])
        }
        for (upstreams, undeclaredStatus) in [(["api"] as [String]?, 503), (nil, 404)] {
            let proxy = try await ProxyHarness(config(upstreams: upstreams))
            let (api, other) = try await offPool {
                func get(_ host: String) throws -> RawClient.Response {
                    let client = try RawClient(port: proxy.port)
                    client.send("GET / HTTP/1.1\r\nhost: \(host)\r\n\r\n")
                    return try client.readResponse()
                }
                return (try get("api"), try get("billing"))
            }
            #expect(api.status == 200 && api.text == "fine\n")
            #expect(other.status == undeclaredStatus)
            if upstreams != nil {
                #expect(other.header("x-mesh-reason") == "degraded")
                #expect(other.text.contains("\"billing\" is not among the upstreams this service declares (api)"))
            }
            await proxy.stop()
        }
        await backend.stop()
    }
}
