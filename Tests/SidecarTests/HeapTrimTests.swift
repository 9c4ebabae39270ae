import Sidecar
import SidecarConfig
import Testing

/// The proxy gives freed heap pages back after churn (`HeapTrimmer`): a gateway's RSS crept up under the chaos soak's
/// mixed churn while its memory in use stayed level (docs/performance.md, issue 13).
@Suite("Heap trimmed after churn", .serialized)
struct HeapTrimTests {
    private func config(_ version: String, _ backend: TestBackend) -> SidecarConfiguration {
        SidecarConfiguration(
            version: version,
            listeners: [Listener(name: "out", kind: .outbound, address: "127.0.0.1:0")],
            services: [ServiceConfig(name: "web", endpoints: [backend.address])])
    }

    /// `mesh_heap_trims_total` as /metrics shows it; nil when the series is absent.
    private func trims(_ server: ProxyServer) async -> Int? {
        let text = await server.metricsText()
        return text.split(separator: "\n").first { $0.hasPrefix("mesh_heap_trims_total ") }
            .flatMap { $0.split(separator: " ").last.flatMap { Int($0) } }
    }

    /// Polls until the proxy has trimmed at least `count` times (bounded: 2 s).
    private func waitForTrims(_ server: ProxyServer, atLeast count: Int) async throws -> Int? {
        var seen = await trims(server)
        for _ in 0..<100 where (seen ?? 0) < count {
            try await Task.sleep(for: .milliseconds(20))
            seen = await trims(server)
        }
        return seen
    }

    private func call(_ port: Int) async throws -> String {
        try await offPool {
            let client = try RawClient(port: port)
            client.send("GET / HTTP/1.1\r\nhost: web\r\nconnection: close\r\n\r\n")
            return try client.readResponse().text
        }
    }

    @Test("an idle proxy does not trim; a closed connection and an endpoint replaced each lead to a trim after the delay")
    func trimsAfterChurnOnly() async throws {
        let first = try await TestBackend { _, _ in TestBackend.ok("one") }
        let second = try await TestBackend { _, _ in TestBackend.ok("two") }
        var options = ProxyServer.Options()
        options.heapTrimDelay = .milliseconds(50)
        let server = ProxyServer(configuration: config("a", first), options: options)
        let bound = try await server.start()
        let port = try #require(bound.first { $0.name == "out" }).address.port

        try await Task.sleep(for: .milliseconds(300))  // six delays with nothing freed
        #expect(await trims(server) == 0)

        #expect(try await call(port) == "one")  // its client connection closes
        let afterClose = try #require(try await waitForTrims(server, atLeast: 1))
        #expect(afterClose >= 1)

        try await server.apply(config("b", second))  // the endpoint leaves the configuration
        #expect((try await waitForTrims(server, atLeast: afterClose + 1) ?? 0) > afterClose)
        #expect(try await call(port) == "two")

        await server.drain(timeout: .seconds(2))
        await first.stop()
        await second.stop()
    }

    @Test("with heapTrimDelay nil (--no-heap-trim) the proxy never trims and shows no trim series")
    func off() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("one") }
        var options = ProxyServer.Options()
        options.heapTrimDelay = nil
        let server = ProxyServer(configuration: config("a", backend), options: options)
        let bound = try await server.start()
        let port = try #require(bound.first { $0.name == "out" }).address.port
        #expect(try await call(port) == "one")
        try await Task.sleep(for: .milliseconds(100))
        #expect(await trims(server) == nil)
        await server.drain(timeout: .seconds(2))
        await backend.stop()
    }
}
