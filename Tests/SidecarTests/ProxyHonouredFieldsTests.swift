import Sidecar
import SidecarConfig
import Testing

/// Manifest fields that reach the proxy and change what it does (each test fails when the proxy drops its field).
@Suite("Proxy honours connectionPool, retryOn codes and outlier interval", .serialized)
struct ProxyHonouredFieldsTests {
    @Test("a listed 404 or 425 is retried, like a listed 503", arguments: [404, 425])
    func listedClientErrorIsRetried(code: Int) async throws {
        // Every first request on a connection gets `code`; the retry (another connection or request) gets 200.
        let backend = try await TestBackend { _, count in
            count % 2 == 1 ? TestBackend.ok("no\n", status: code) : TestBackend.ok("yes\n")
        }
        let policy = RetryPolicyConfig(
            name: "r", service: "b", attempts: 2, retryOn: [.retriableStatusCodes], retriableStatusCodes: [code],
            backoff: .init(base: .milliseconds(1), max: .milliseconds(1)))
        let proxy = try await ProxyHarness(
            ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])], retryPolicies: [policy]))
        let reply = try await offPool { try proxy.get() }
        #expect(reply.status == 200)
        #expect(reply.text == "yes\n")
        #expect(backend.requests.count == 2)
        await proxy.stop()
        await backend.stop()
    }

    @Test("maxRequestsPerConnection closes an upstream connection after that many requests")
    func maxRequestsPerConnection() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok() }
        let service = ServiceConfig(
            name: "b", endpoints: [backend.address], connectionLimits: ConnectionLimits(maxRequestsPerConnection: 2))
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [service]))
        let statuses = try await offPool { try (0..<6).map { _ in try proxy.get().status } }
        #expect(statuses == Array(repeating: 200, count: 6))
        #expect(backend.connections == 3)
        #expect(Set(backend.requests.map(\.connection)).count == 3)
        await proxy.stop()
        await backend.stop()
    }

    @Test("maxConnections counts every endpoint of the service together: past it, requests wait or get 503")
    func maxConnectionsIsServiceWide() async throws {
        let slow: TestBackend.Behaviour = { _, _ in .delayed(milliseconds: 400, TestBackend.ok()) }
        let a = try await TestBackend(slow)
        let b = try await TestBackend(slow)
        let service = ServiceConfig(
            name: "b", endpoints: [a.address, b.address], loadBalancer: .roundRobin,
            connectionLimits: ConnectionLimits(maxConnections: 2, maxPendingRequests: 0))
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [service]))
        let replies = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for _ in 0..<4 {
                group.addTask { try await offPool { let r = try proxy.get(); return (r.status, r.header("x-mesh-reason")) } }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // Per endpoint, 2 each would have let all four through.
        #expect(replies.filter { $0.0 == 200 }.count == 2)
        #expect(replies.filter { $0.0 == 503 && $0.1 == "overflow" }.count == 2)
        #expect(a.connections + b.connections == 2)
        await proxy.stop()
        await a.stop()
        await b.stop()
    }

    @Test("maxPendingRequests counts the requests waiting at every endpoint of the service together")
    func maxPendingRequestsIsServiceWide() async throws {
        let slow: TestBackend.Behaviour = { _, _ in .delayed(milliseconds: 400, TestBackend.ok()) }
        let a = try await TestBackend(slow)
        let b = try await TestBackend(slow)
        let service = ServiceConfig(
            name: "b", endpoints: [a.address, b.address], loadBalancer: .roundRobin,
            connectionLimits: ConnectionLimits(maxConnections: 2, maxPendingRequests: 1))
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [service]))
        let replies = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for _ in 0..<4 {
                group.addTask { try await offPool { let r = try proxy.get(); return (r.status, r.header("x-mesh-reason")) } }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // Two in flight, one waits for a freed slot; per endpoint, one waiter at each would have let all four through.
        #expect(replies.filter { $0.0 == 200 }.count == 3)
        #expect(replies.filter { $0.0 == 503 && $0.1 == "overflow" }.count == 1)
        await proxy.stop()
        await a.stop()
        await b.stop()
    }

    @Test("a service limited to one connection moves it between endpoints instead of starving one of them")
    func idleConnectionMakesRoom() async throws {
        let a = try await TestBackend { _, _ in TestBackend.ok("a\n") }
        let b = try await TestBackend { _, _ in TestBackend.ok("b\n") }
        let service = ServiceConfig(
            name: "b", endpoints: [a.address, b.address], loadBalancer: .roundRobin,
            connectionLimits: ConnectionLimits(maxConnections: 1, maxPendingRequests: 8))
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [service]))
        // One client, one connection: each request finds the other endpoint's connection idle, closes it, and
        // connects.
        let texts = try await offPool {
            let client = try RawClient(port: proxy.port)
            return try (0..<4).map { _ in try client.request("GET", "/", headers: []).text }
        }
        #expect(Set(texts) == ["a\n", "b\n"])
        await proxy.stop()
        await a.stop()
        await b.stop()
    }
}
