import Sidecar
import SidecarConfig
import Testing

@Suite("Metrics switch", .serialized)
struct MetricsSwitchTests {
    @Test("with metrics off (--no-metrics) requests are served and neither counted nor timed")
    func metricsOff() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok() }
        let server = ProxyServer(
            configuration: ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])]),
            options: .init(threads: 1, admin: HostPort(host: "127.0.0.1", port: 0), metrics: false))
        let bound = try await server.start()
        let port = try #require(bound.first { $0.name == "in" }).address.port
        let statuses = try await offPool { try (0..<3).map { _ in try RawClient(port: port).request("GET", "/", headers: []).status } }
        #expect(statuses == [200, 200, 200])
        let text = await server.metricsText()
        #expect(!text.contains("mesh_request_duration_seconds_count{service=\"b\"} 3"))
        #expect(!text.contains("code=\"2xx\"} 3"))
        await server.drain(timeout: .seconds(2))
        await backend.stop()
    }
}
