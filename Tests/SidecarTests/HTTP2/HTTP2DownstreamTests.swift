import Foundation
import Sidecar
import SidecarConfig
import Testing

/// HTTP/2 from clients (prior knowledge, h2c) on a listener of an `http` service: detected by its preface, each
/// stream one exchange of the proxy's engine, forwarded as HTTP/1.1 to the endpoints.
@Suite(.serialized) struct HTTP2DownstreamTests {
    @Test func curlSpeaksHTTP2ThroughTheProxyAndTheEndpointGetsHTTP11() async throws {
        let backend = try await TestBackend { request, _ in
            TestBackend.ok("got \(request.body.count) bytes for \(request.requestLine)\n", extra: "x-from: backend\r\n")
        }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [.init(name: "web", endpoints: [backend.address])]))
        defer { Task { await proxy.stop(); await backend.stop() } }

        let get = try ExternalCommand.run(
            "/usr/bin/curl", ["-s", "-i", "--http2-prior-knowledge", "-H", "x-client: 1", "http://127.0.0.1:\(proxy.port)/hello?a=1"])
        #expect(get.stdout.hasPrefix("HTTP/2 200"), "\(get.stdout)\(get.stderr)")
        #expect(get.stdout.contains("x-from: backend"))
        #expect(get.stdout.contains("got 0 bytes for GET /hello?a=1 HTTP/1.1"))

        let post = try ExternalCommand.run(
            "/usr/bin/curl", ["-s", "--http2-prior-knowledge", "--data-binary", "0123456789", "http://127.0.0.1:\(proxy.port)/up"])
        #expect(post.stdout == "got 10 bytes for POST /up HTTP/1.1\n", "\(post.stdout)\(post.stderr)")

        let seen = try #require(backend.requests.first)
        #expect(seen.header("host") == "127.0.0.1:\(proxy.port)")
        #expect(seen.header("x-client") == "1")
        #expect(seen.header("x-forwarded-for") == "127.0.0.1")
        #expect(seen.header("traceparent") != nil)
    }

    @Test func http11ClientsStillServedOnTheSameListener() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok() }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [.init(name: "web", endpoints: [backend.address])]))
        defer { Task { await proxy.stop(); await backend.stop() } }
        let response = try proxy.get("/")
        #expect(response.status == 200)
        let curl = try ExternalCommand.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_version}", "http://127.0.0.1:\(proxy.port)/"])
        #expect(curl.stdout == "1.1")
    }
}

extension HTTP2DownstreamTests {
    /// A client that closes its side is answered by a close once its streams are done, not after the idle timeout
    /// (60 s here): every such connection held a socket in CLOSE_WAIT that long.
    @Test func aClientsCloseIsAnsweredByACloseOnceItsStreamsAreDone() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("ok\n") }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [.init(name: "web", endpoints: [backend.address])]))
        defer { Task { await proxy.stop(); await backend.stop() } }
        let run = try ExternalCommand.python(H2Scripts.halfClose, ["\(proxy.port)"], timeout: .seconds(30))
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines == ["after 200 closed True", "inflight 200 closed True"], "\(run.stdout)\(run.stderr)")
    }

    /// The reason to speak HTTP/2 in a mesh: one client connection, many requests, each balanced on its own.
    @Test func requestsOnOneConnectionAreBalancedOneByOne() async throws {
        let a = try await TestBackend { _, _ in TestBackend.ok("a\n") }
        let b = try await TestBackend { _, _ in TestBackend.ok("b\n") }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [
            .init(name: "web", endpoints: [a.address, b.address], loadBalancer: .roundRobin)
        ]))
        defer { Task { await proxy.stop(); await a.stop(); await b.stop() } }
        let run = try ExternalCommand.python(H2Scripts.sequentialRequests, ["\(proxy.port)", "20"])
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.last == "streams 20", "\(run.stdout)\(run.stderr)")
        #expect(lines.filter { $0 == "a" }.count == 10)
        #expect(lines.filter { $0 == "b" }.count == 10)
    }
}
