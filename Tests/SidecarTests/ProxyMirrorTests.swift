import Foundation
import Sidecar
import SidecarConfig
import Testing

/// HTTPRoute `RequestMirror` through a real proxy: copies reach the mirror, its answers never reach the client, the
/// primary does not wait for a slow or dead mirror, and copies without room are shed and counted.
@Suite("Proxy request mirroring", .serialized)
struct ProxyMirrorTests {
    static func config(primary: String, mirror: String, percentage: Double = 100) -> SidecarConfiguration {
        SidecarConfiguration(
            version: "v1",
            listeners: [Listener(name: "out", kind: .outbound, address: "127.0.0.1:0", service: "web")],
            services: [
                ServiceConfig(name: "web", endpoints: []),
                ServiceConfig(name: "v1", endpoints: [primary]),
                ServiceConfig(name: "shadow", endpoints: [mirror]),
            ],
            splits: [TrafficSplitConfig(
                name: "httproute/web", rootService: "web", backends: [.init(service: "v1", weight: 1)],
                rules: [SplitRule(name: "all", backends: [.init(service: "v1", weight: 1)],
                                  mirror: .init(service: "shadow", percentage: percentage))])],
            defaultRequestTimeout: .seconds(10))
    }

    /// Waits (bounded) until `condition` holds.
    static func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<50 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    @Test("every request and its body reach the mirror too; the client sees only the primary's answers")
    func copies() async throws {
        let primary = try await TestBackend { _, _ in TestBackend.ok("primary") }
        let mirror = try await TestBackend { _, _ in TestBackend.ok("mirror", status: 500) }
        let proxy = try await ProxyHarness(Self.config(primary: primary.address, mirror: mirror.address))
        let answers = try await offPool {
            [try proxy.get("/a").text, try proxy.get("/b", method: "POST", body: "hello").text]
        }
        #expect(answers == ["primary", "primary"])
        #expect(try await Self.eventually { mirror.requests.count == 2 })
        let copies = mirror.requests.sorted { $0.requestLine < $1.requestLine }
        #expect(copies.map(\.requestLine) == ["GET /a HTTP/1.1", "POST /b HTTP/1.1"])
        #expect(copies[1].body == Array("hello".utf8))
        #expect(copies[1].header("connection") == nil, "copies go on kept-alive connections")
        var metrics = ""
        for _ in 0..<50 where !metrics.contains(#"outcome="sent"} 2"#) {
            metrics = await proxy.server.metricsText()
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(metrics.contains(#"mesh_mirror_requests_total{service="shadow",outcome="sent"} 2"#))
        await proxy.stop()
        await primary.stop()
        await mirror.stop()
    }

    @Test("copies reuse a kept-alive connection: 20 requests one after another reach the mirror on one or two connections, not twenty")
    func keptAlive() async throws {
        let primary = try await TestBackend { _, _ in TestBackend.ok("primary") }
        let mirror = try await TestBackend { _, _ in TestBackend.ok("mirror") }
        let proxy = try await ProxyHarness(Self.config(primary: primary.address, mirror: mirror.address))
        for index in 0..<20 {
            _ = try await offPool { try proxy.get("/\(index)") }
            // One copy at a time, so each finds the previous one's connection idle.
            _ = try await Self.eventually { mirror.requests.count == index + 1 }
        }
        #expect(mirror.requests.count == 20)
        // A copy may race the previous answer back to its idle list; without reuse it would be 20.
        #expect(mirror.connections <= 3, "\(mirror.connections) connections")
        await proxy.stop()
        await primary.stop()
        await mirror.stop()
    }

    @Test("a mirror that answers after 2 s, or not at all, does not hold the primary: 5 requests well under a second")
    func neverWaits() async throws {
        let primary = try await TestBackend { _, _ in TestBackend.ok("primary") }
        let mirror = try await TestBackend { _, _ in .delayed(milliseconds: 2000, TestBackend.ok("late")) }
        let proxy = try await ProxyHarness(Self.config(primary: primary.address, mirror: mirror.address))
        let start = ContinuousClock.now
        let answers = try await offPool { try (0..<5).map { _ in try proxy.get("/").text } }
        #expect(answers == Array(repeating: "primary", count: 5))
        #expect(ContinuousClock.now - start < .milliseconds(1500))
        await proxy.stop()
        await primary.stop()
        await mirror.stop()
    }

    @Test("a mirror nobody listens on: the primary answers and the copies are counted as failed")
    func deadMirror() async throws {
        let primary = try await TestBackend { _, _ in TestBackend.ok("primary") }
        let proxy = try await ProxyHarness(Self.config(primary: primary.address, mirror: "127.0.0.1:1"))
        #expect(try await offPool { try proxy.get("/").text } == "primary")
        var metrics = ""
        for _ in 0..<50 where !metrics.contains(#"outcome="failed"} 1"#) {
            metrics = await proxy.server.metricsText()
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(metrics.contains(#"mesh_mirror_requests_total{service="shadow",outcome="failed"} 1"#))
        await proxy.stop()
        await primary.stop()
    }

    @Test("a chunked body (not at hand whole with the head) is not mirrored: the copy is shed and counted, the request served")
    func chunkedIsShed() async throws {
        let primary = try await TestBackend { _, _ in TestBackend.ok("primary") }
        let mirror = try await TestBackend { _, _ in TestBackend.ok("mirror") }
        let proxy = try await ProxyHarness(Self.config(primary: primary.address, mirror: mirror.address))
        let response = try await offPool {
            let client = try RawClient(port: proxy.port)
            client.send("POST / HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
            return try client.readResponse(method: "POST")
        }
        #expect(response.text == "primary")
        let metrics = await proxy.server.metricsText()
        #expect(metrics.contains(#"mesh_mirror_requests_total{service="shadow",outcome="shed"} 1"#))
        #expect(mirror.requests.isEmpty)
        await proxy.stop()
        await primary.stop()
        await mirror.stop()
    }
}
