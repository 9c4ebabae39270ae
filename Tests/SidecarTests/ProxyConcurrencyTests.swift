import Sidecar
import SidecarConfig
import Synchronization
import Testing

/// Many clients at once, so the loop has several exchanges in progress and its sends wait for the end of each turn
/// (`WriteBatch`): every request still gets its own answer, retries of failed tries included, and nothing hangs.
@Suite("Proxy under concurrent clients", .serialized)
struct ProxyConcurrencyTests {
    @Test("24 clients × 40 requests, each first try answered 503 and retried, uploads resent: all answered, in order")
    func concurrentClientsWithRetries() async throws {
        let triesByPath = Mutex([String: Int]())
        let backend = try await TestBackend { request, _ in
            let path = request.requestLine.split(separator: " ").dropFirst().first.map(String.init) ?? "?"
            let attempt = triesByPath.withLock { tries -> Int in
                tries[path, default: 0] += 1
                return tries[path]!
            }
            if attempt == 1 { return TestBackend.ok("busy\n", status: 503) }
            // The answer names the request, so a reply that went to the wrong client (or out of order) shows.
            return TestBackend.ok("\(path) \(request.body.count)")
        }
        let policy = RetryPolicyConfig(
            name: "r", service: "b", attempts: 4, retryOn: [.gatewayError],
            backoff: .init(base: .milliseconds(1), max: .milliseconds(2), jitter: 0), budget: .init(percent: 100, minRetriesPerSecond: 1000))
        let proxy = try await ProxyHarness(
            ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])], retryPolicies: [policy]))
        let clients = 24
        let perClient = 40
        let results = try await withThrowingTaskGroup(of: [String].self) { group in
            for client in 0..<clients {
                group.addTask {
                    try await offPool {
                        let connection = try RawClient(port: proxy.port)
                        return try (0..<perClient).map { i -> String in
                            // Every fifth request uploads a body (kept for the retry, as it is small).
                            let body = i % 5 == 0 ? String(repeating: "x", count: 100 + client) : nil
                            let reply = try connection.request(body == nil ? "GET" : "PUT", "/c\(client)/r\(i)", body: body)
                            return "\(reply.status) \(reply.text)"
                        }
                    }
                }
            }
            var all: [[String]] = []
            for try await replies in group { all.append(replies) }
            return all
        }
        let expected = Set((0..<clients).map { client in
            (0..<perClient).map { i in "200 /c\(client)/r\(i) \(i % 5 == 0 ? 100 + client : 0)" }
        })
        #expect(results.count == clients)
        let wrong = Set(results).symmetricDifference(expected)
        #expect(wrong.isEmpty, "\(wrong.count) of \(clients) clients saw other replies, e.g. \(wrong.first?.prefix(3) ?? [])")
        // One retry per request: each path reached the backend exactly twice.
        let tries = triesByPath.withLock { $0 }
        #expect(tries.count == clients * perClient && tries.values.allSatisfy { $0 == 2 })
        await proxy.stop()
        await backend.stop()
    }
}
