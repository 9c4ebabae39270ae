import Sidecar
import SidecarConfig
import Testing

@Suite("Metrics made on first use", .serialized)
struct LazyMetricsTests {
    @Test("/metrics lists the services a proxy routed to, not every service it knows; a failing health check still shows")
    func onlyServicesUsed() async throws {
        let used = try await TestBackend { _, _ in TestBackend.ok("used") }
        let idle = try await TestBackend { _, _ in TestBackend.ok("idle") }
        let sick = try await TestBackend { _, _ in TestBackend.ok("no", status: 503) }
        let check = HealthCheck(path: "/healthz", interval: .milliseconds(50), timeout: .milliseconds(500), healthyThreshold: 1, unhealthyThreshold: 1)
        let config = SidecarConfiguration(
            version: "lazy",
            listeners: [Listener(name: "out", kind: .outbound, address: "127.0.0.1:0")],
            services: [
                ServiceConfig(name: "used", endpoints: [used.address]),
                ServiceConfig(name: "idle", endpoints: [idle.address]),
                ServiceConfig(name: "sick", endpoints: [sick.address], healthCheck: check),
            ])
        let server = ProxyServer(configuration: config)
        let bound = try await server.start()
        let port = try #require(bound.first { $0.name == "out" }).address.port
        let answer = try await offPool {
            let client = try RawClient(port: port)
            client.send("GET / HTTP/1.1\r\nhost: used\r\n\r\n")
            return try client.readResponse().text
        }
        #expect(answer == "used")
        // Bounded wait for the sick endpoint's first failed check.
        var text = ""
        for _ in 0..<50 {
            text = await server.metricsText()
            if text.contains("mesh_endpoint_healthy{service=\"sick\",backend=\"\(sick.address)\"} 0") { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(text.contains("mesh_requests_total{service=\"used\",backend=\"\(used.address)\",code=\"2xx\"} 1"))
        #expect(text.contains("mesh_request_duration_seconds_count{service=\"used\"} 1"))
        #expect(text.contains("mesh_endpoint_healthy{service=\"used\",backend=\"\(used.address)\"} 1"))
        #expect(text.contains("mesh_endpoint_healthy{service=\"sick\",backend=\"\(sick.address)\"} 0"))
        #expect(!text.contains("service=\"idle\""))
        await server.drain(timeout: .seconds(2))
        await used.stop()
        await idle.stop()
        await sick.stop()
    }

    @Test("an endpoint that leaves the configuration leaves /metrics: a replica replaced 20 times shows once")
    func replacedEndpointsForgotten() async throws {
        // Each generation's replica listens on a new port (as a new revision does) and answers one request.
        func config(_ generation: Int, _ replica: TestBackend) -> SidecarConfiguration {
            SidecarConfiguration(
                version: "g\(generation)",
                listeners: [Listener(name: "out", kind: .outbound, address: "127.0.0.1:0")],
                services: [ServiceConfig(name: "web", endpoints: [replica.address])])
        }
        var replica = try await TestBackend { _, _ in TestBackend.ok("v") }
        let server = ProxyServer(configuration: config(0, replica))
        let bound = try await server.start()
        let port = try #require(bound.first { $0.name == "out" }).address.port
        for generation in 0..<20 {
            if generation > 0 {
                let next = try await TestBackend { _, _ in TestBackend.ok("v") }
                try await server.apply(config(generation, next))
                await replica.stop()
                replica = next
            }
            let answer = try await offPool {
                let client = try RawClient(port: port)
                client.send("GET / HTTP/1.1\r\nhost: web\r\n\r\n")
                return try client.readResponse().text
            }
            #expect(answer == "v")
        }
        let text = await server.metricsText()
        let backends = Set(text.split(separator: "\n").filter { $0.hasPrefix("mesh_") && $0.contains("backend=") }.compactMap { line in
            line.split(separator: "backend=\"").dropFirst().first?.split(separator: "\"").first.map(String.init)
        })
        #expect(backends == [replica.address], "\(backends.sorted())")
        #expect(text.contains("mesh_requests_total{service=\"web\",backend=\"\(replica.address)\",code=\"2xx\"} 1"))
        await server.drain(timeout: .seconds(2))
        await replica.stop()
    }
}
