#if canImport(Glibc)
import Glibc
#endif
import Sidecar
import SidecarConfig
import Testing

/// A replica that dies (its sidecar SIGKILLed) stays in the proxy's configuration until the operator's next one
/// arrives: its pooled connections all close at once and new connections to it are refused. Clients on keep-alive
/// connections must not notice — no policy configured, the other endpoint answers every request.
@Suite("Proxy with a dead endpoint", .serialized)
struct ProxyDeadEndpointTests {
    /// Sends `count` GETs on one keep-alive connection; returns the statuses, or "closed"/"timeout" for the request
    /// that got no complete response (and stops there: the connection is gone).
    private static func keepAliveRun(port: Int, count: Int) -> [String] {
        var outcomes: [String] = []
        guard let client = try? RawClient(port: port) else { return ["connect"] }
        for _ in 0..<count {
            do {
                let response = try client.request()
                outcomes.append("\(response.status)")
            } catch {
                outcomes.append("\(error)")
                break
            }
        }
        return outcomes
    }

    @Test("an endpoint refusing connections: every request on keep-alive connections gets a 200 from the other")
    func refusedEndpoint() async throws {
        let dead = try #require(RefusingPort())
        let deadAddress = "127.0.0.1:\(dead.port)"
        let live = try await TestBackend { _, _ in TestBackend.ok() }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [
            ServiceConfig(name: "b", endpoints: [deadAddress, live.address], loadBalancer: .roundRobin)
        ]))
        let port = proxy.port
        let outcomes = try await offPool { (0..<4).flatMap { _ in Self.keepAliveRun(port: port, count: 10) } }
        #expect(outcomes == Array(repeating: "200", count: 40))
        await proxy.stop()
        await live.stop()
        dead.close()
    }

    @Test("an endpoint dying under keep-alive traffic: its pooled connections close, reconnects are refused, no client sees it")
    func endpointDiesUnderLoad() async throws {
        let doomed = try await TestBackend { _, _ in TestBackend.ok("a\n") }
        let live = try await TestBackend { _, _ in TestBackend.ok("b\n") }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [
            ServiceConfig(name: "b", endpoints: [doomed.address, live.address], loadBalancer: .roundRobin)
        ]))
        let port = proxy.port
        let clients = try await offPool { Connections(try (0..<8).map { _ in try RawClient(port: port) }) }
        let box = Shared(clients.list.map { _ in [String]() })
        /// One round: every client sends one request on its own connection.
        @Sendable func round() {
            for (index, client) in clients.list.enumerated() {
                let outcome: String
                do { outcome = "\(try client.request().status)" } catch { outcome = "\(error)" }
                box.update { $0[index].append(outcome) }
            }
        }
        // Warm: both endpoints now have pooled connections that served before.
        try await offPool { for _ in 0..<5 { round() } }
        #expect(doomed.requests.count > 0)
        await doomed.stop()
        try await offPool { for _ in 0..<10 { round() } }
        let outcomes = box.value
        for (index, run) in outcomes.enumerated() {
            #expect(run == Array(repeating: "200", count: 15), "client \(index): \(run)")
        }
        await proxy.stop()
        await live.stop()
    }

    @Test("a later request on a keep-alive connection whose try times out waiting for a pooled connection gets a 504")
    func timeoutWhileWaitingForConnection() async throws {
        // /hold answers its head and then streams a body its client never reads: the only pooled connection stays
        // busy (its per-try timer stopped at the head), so the next request waits in the pool until its try times out.
        let backend = try await TestBackend { request, _ in
            request.requestLine.contains("/hold") ? .stream(count: 64 << 20) : TestBackend.ok()
        }
        let service = ServiceConfig(
            name: "b", endpoints: [backend.address], connectionLimits: ConnectionLimits(maxConnections: 1))
        let policy = RetryPolicyConfig(name: "r", service: "b", attempts: 1, perTryTimeout: .milliseconds(200))
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [service], retryPolicies: [policy]))
        let port = proxy.port
        let (first, waited) = try await offPool {
            let client = try RawClient(port: port)
            let first = try client.request("GET", "/fast").status
            let holder = try RawClient(port: port)
            holder.send("GET /hold HTTP/1.1\r\nhost: test\r\n\r\n")
            usleep(100_000)
            let waited: String
            do { waited = "\(try client.request("GET", "/queued").status)" } catch { waited = "\(error)" }
            return (first, waited)
        }
        #expect(first == 200)
        #expect(waited == "504")
        await proxy.stop()
        await backend.stop()
    }

    @Test("an upstream cut mid-response: a small response was held back, so GETs are retried on the other endpoint")
    func cutMidResponseRetried() async throws {
        // Head and part of the body, then a close: what a replica killed while answering looks like.
        let cutting = try await TestBackend { _, _ in
            .raw(Array("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly-part".utf8), close: true)
        }
        let live = try await TestBackend { _, _ in TestBackend.ok("b\n") }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [
            ServiceConfig(name: "b", endpoints: [cutting.address, live.address], loadBalancer: .roundRobin)
        ]))
        let port = proxy.port
        let outcomes = try await offPool {
            (0..<4).flatMap { _ -> [String] in
                guard let client = try? RawClient(port: port) else { return ["connect"] }
                return (0..<10).map { _ in
                    do {
                        let response = try client.request()
                        return "\(response.status) \(response.text)"
                    } catch { return "\(error)" }
                }
            }
        }
        #expect(outcomes == Array(repeating: "200 b\n", count: 40))
        #expect(cutting.requests.count > 0)
        await proxy.stop()
        await live.stop()
        await cutting.stop()
    }

    @Test("a cut response: a POST is never replayed (the client sees the close); a GET with no other endpoint gets a 502")
    func cutMidResponseNotRetried() async throws {
        let cutting = try await TestBackend { _, _ in
            .raw(Array("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly-part".utf8), close: true)
        }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [
            ServiceConfig(name: "b", endpoints: [cutting.address])
        ]))
        let port = proxy.port
        let (post, get) = try await offPool {
            let post: String
            do { post = "\(try RawClient(port: port).request("POST", "/", body: "x").status)" } catch { post = "\(error)" }
            let get = try RawClient(port: port).request("GET", "/")
            return (post, get)
        }
        #expect(post == "closed")
        #expect(cutting.requests.filter { $0.requestLine.hasPrefix("POST") }.count == 1)
        #expect(get.status == 502)
        #expect(get.header("x-mesh-reason") == "upstream-reset")
        await proxy.stop()
        await cutting.stop()
    }
}

/// Client connections handed from one test thread to the next; never used by two threads at once.
private final class Connections: @unchecked Sendable {
    let list: [RawClient]
    init(_ list: [RawClient]) { self.list = list }
}

/// A loopback port bound but never listening: connects to it are refused, and while it is held no other test's
/// server can take it (a port merely freed could be reused by a suite running in parallel).
private final class RefusingPort {
    let fd: Int32
    let port: Int

    init?() {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard fd >= 0, bound else {
            Glibc.close(fd)
            return nil
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { Glibc.close(fd) }
}
