import Foundation
import NIOCore
import NIOPosix
@testable import Sidecar
import SidecarConfig
import Synchronization
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

    /// The proxy's metrics once they contain `text`, polled every 50 ms (bounded); the last seen otherwise.
    static func metrics(of proxy: ProxyHarness, once text: String, polls: Int = 50) async throws -> String {
        var metrics = ""
        for _ in 0..<polls where !metrics.contains(text) {
            metrics = await proxy.server.metricsText()
            try await Task.sleep(for: .milliseconds(50))
        }
        return metrics
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
        let metrics = try await Self.metrics(of: proxy, once: #"outcome="sent"} 2"#)
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
        let metrics = try await Self.metrics(of: proxy, once: #"outcome="failed"} 1"#)
        #expect(metrics.contains(#"mesh_mirror_requests_total{service="shadow",outcome="failed"} 1"#))
        await proxy.stop()
        await primary.stop()
    }

    @Test("bounded and pipelined: with every copy held by a mirror that does not answer, 256 are in flight on 8 connections (32 each) and the rest are shed and counted; the primary answers all")
    func inFlightBound() async throws {
        let primary = try await TestBackend { _, _ in TestBackend.ok("primary") }
        let mirror = try await TestBackend { _, _ in .delayed(milliseconds: 30_000, TestBackend.ok("late")) }
        let proxy = try await ProxyHarness(Self.config(primary: primary.address, mirror: mirror.address))
        let start = ContinuousClock.now
        let answers = try await offPool { try (0..<300).map { _ in try proxy.get("/").text } }
        // Within a copy's 5 s answer timeout, so none of the first 256 has finished to make room.
        let elapsed = ContinuousClock.now - start
        #expect(answers == Array(repeating: "primary", count: 300))
        let metrics = try await Self.metrics(of: proxy, once: #"outcome="shed"} 44"#)
        if elapsed < .seconds(4) {
            #expect(metrics.contains(#"mesh_mirror_requests_total{service="shadow",outcome="shed"} 44"#), "\(metrics)")
            #expect(try await Self.eventually { mirror.requests.count == 256 }, "\(mirror.requests.count)")
            #expect(mirror.connections == 8, "\(mirror.connections) connections")
        } else {
            Issue.record("300 requests took \(elapsed): too slow to see the bound before copies time out")
        }
        await proxy.stop()
        await primary.stop()
        await mirror.stop()
    }

    @Test("copies pipelined behind an answer that closes its connection (`Connection: close`) are sent again on another: none lost")
    func closeBehindPipelined() async throws {
        let primary = try await TestBackend { _, _ in TestBackend.ok("primary") }
        // Per connection: the first answer at once, the next two after 100 ms (so later copies pile up behind them),
        // the third of them closing; what was pipelined after it is never answered there.
        let seen = Mutex<[Int: Int]>([:])
        let mirror = try await TestBackend { request, _ in
            let n = seen.withLock { counts in
                counts[request.connection, default: 0] += 1
                return counts[request.connection]!
            }
            switch n {
            case 1: return TestBackend.ok("mirror")
            case 2: return .delayed(milliseconds: 100, TestBackend.ok("mirror"))
            case 3: return .delayed(milliseconds: 100, .raw(Array("HTTP/1.1 200 X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".utf8), close: true))
            default: return .delayed(milliseconds: 30_000, .close)
            }
        }
        let proxy = try await ProxyHarness(Self.config(primary: primary.address, mirror: mirror.address))
        let answers = try await offPool { try (0..<30).map { try proxy.get("/\($0)").text } }
        #expect(answers == Array(repeating: "primary", count: 30))
        let metrics = try await Self.metrics(of: proxy, once: #"outcome="sent"} 30"#, polls: 80)
        #expect(metrics.contains(#"mesh_mirror_requests_total{service="shadow",outcome="sent"} 30"#), "\(metrics)")
        #expect(!metrics.contains(#"outcome="failed"} "#) || metrics.contains(#"outcome="failed"} 0"#), "\(metrics)")
        let mostOnOne = seen.withLock { $0.values.max() ?? 0 }
        #expect(mostOnOne > 3, "copies were pipelined behind the closing answer (\(mostOnOne) on one connection)")
        await proxy.stop()
        await primary.stop()
        await mirror.stop()
    }

    @Test("bounded before the mirror thread too: while it cannot run, 256 copies wait for it and the rest are shed at once; the primary answers all")
    func waitingBound() async throws {
        let primary = try await TestBackend { _, _ in TestBackend.ok("primary") }
        let mirror = try await TestBackend { _, _ in TestBackend.ok("mirror") }
        let proxy = try await ProxyHarness(Self.config(primary: primary.address, mirror: mirror.address))
        // The mirror thread kept busy until the test has looked (at most 30 s), as one starved of CPU would be.
        let held = DispatchSemaphore(value: 0)
        MirrorHandoff.group.next().execute { _ = held.wait(timeout: .now() + 30) }
        let answers = try await offPool { try (0..<300).map { _ in try proxy.get("/").text } }
        let metrics = await proxy.server.metricsText()
        held.signal()
        #expect(answers == Array(repeating: "primary", count: 300))
        #expect(metrics.contains(#"mesh_mirror_requests_total{service="shadow",outcome="shed"} 44"#), "\(metrics)")
        await proxy.stop()
        await primary.stop()
        await mirror.stop()
    }

    @Test("a body within 64 KiB is copied whole; a larger one is not mirrored (shed and counted), the request served")
    func bodyBound() async throws {
        let primary = try await TestBackend { _, _ in TestBackend.ok("primary") }
        let mirror = try await TestBackend { _, _ in TestBackend.ok("mirror") }
        let proxy = try await ProxyHarness(Self.config(primary: primary.address, mirror: mirror.address))
        let within = String(repeating: "a", count: 64 * 1024)
        let over = String(repeating: "b", count: 64 * 1024 + 1)
        let answers = try await offPool {
            [try proxy.get("/within", method: "POST", body: within).text, try proxy.get("/over", method: "POST", body: over).text]
        }
        #expect(answers == ["primary", "primary"])
        #expect(try await Self.eventually { mirror.requests.count == 1 })
        #expect(mirror.requests.first?.requestLine == "POST /within HTTP/1.1")
        #expect(mirror.requests.first?.body.count == 64 * 1024)
        #expect(primary.requests.last?.body.count == 64 * 1024 + 1, "the primary gets the whole body")
        let metrics = await proxy.server.metricsText()
        #expect(metrics.contains(#"mesh_mirror_requests_total{service="shadow",outcome="shed"} 1"#), "\(metrics)")
        await proxy.stop()
        await primary.stop()
        await mirror.stop()
    }

    @Test("a body that follows its head in later writes, chunked or not, is copied as sent once whole; a chunked body past 64 KiB is shed")
    func laterBodies() async throws {
        let primary = try await TestBackend { _, _ in TestBackend.ok("primary") }
        let mirror = try await TestBackend { _, _ in TestBackend.ok("mirror") }
        let proxy = try await ProxyHarness(Self.config(primary: primary.address, mirror: mirror.address))
        let big = String(repeating: "c", count: 40 * 1024)
        let texts = try await offPool {
            let client = try RawClient(port: proxy.port)
            client.send("POST /later HTTP/1.1\r\nhost: t\r\ncontent-length: 10\r\n\r\n")
            Thread.sleep(forTimeInterval: 0.2)
            client.send("hello")
            Thread.sleep(forTimeInterval: 0.2)
            client.send("world")
            let later = try client.readResponse(method: "POST").text
            client.send("POST /chunked HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n")
            Thread.sleep(forTimeInterval: 0.2)
            client.send("0\r\n\r\n")
            let chunked = try client.readResponse(method: "POST").text
            let chunk = String(big.utf8.count, radix: 16)
            client.send("POST /huge HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n\r\n\(chunk)\r\n\(big)\r\n")
            client.send("\(chunk)\r\n\(big)\r\n0\r\n\r\n")
            let huge = try client.readResponse(method: "POST").text
            return [later, chunked, huge]
        }
        #expect(texts == ["primary", "primary", "primary"])
        #expect(try await Self.eventually { mirror.requests.count == 2 })
        let copies = mirror.requests.sorted { $0.requestLine < $1.requestLine }
        #expect(copies.map(\.requestLine) == ["POST /chunked HTTP/1.1", "POST /later HTTP/1.1"])
        // As framed: the chunked copy carries its chunks, like the request the primary got.
        #expect(copies.map { String(decoding: $0.body, as: UTF8.self) } == ["5\r\nhello\r\n0\r\n\r\n", "helloworld"])
        let framed: Int = 2 * (6 + 40 * 1024 + 2) + 5  // two "a000\r\n" chunks of 40 KiB, then "0\r\n\r\n"
        #expect(primary.requests.last?.body.count == framed, "the primary gets the whole body")
        let metrics = await proxy.server.metricsText()
        #expect(metrics.contains(#"mesh_mirror_requests_total{service="shadow",outcome="shed"} 1"#), "\(metrics)")
        await proxy.stop()
        await primary.stop()
        await mirror.stop()
    }

    @Test("a copy whose body never completes (the client leaves mid-upload) is not sent and is counted as shed; the next request is mirrored")
    func unfinishedBody() async throws {
        let primary = try await TestBackend { _, _ in TestBackend.ok("primary") }
        let mirror = try await TestBackend { _, _ in TestBackend.ok("mirror") }
        let proxy = try await ProxyHarness(Self.config(primary: primary.address, mirror: mirror.address))
        try await offPool {
            let client = try RawClient(port: proxy.port)
            client.send("POST /cut HTTP/1.1\r\nhost: t\r\ncontent-length: 10\r\n\r\nhello")
            // The head and half the body reach the proxy; the client's connection closes as it goes out of scope.
            Thread.sleep(forTimeInterval: 0.2)
        }
        let metrics = try await Self.metrics(of: proxy, once: #"outcome="shed"} 1"#)
        #expect(metrics.contains(#"mesh_mirror_requests_total{service="shadow",outcome="shed"} 1"#), "\(metrics)")
        #expect(try await offPool { try proxy.get("/after").text } == "primary")
        #expect(try await Self.eventually { mirror.requests.count == 1 })
        #expect(mirror.requests.map(\.requestLine) == ["GET /after HTTP/1.1"], "the cut request was not copied")
        await proxy.stop()
        await primary.stop()
        await mirror.stop()
    }

    @Test("a copy the mirror does not answer is ended after its 5 s timeout (not before) and counted as failed")
    func copyTimeout() async throws {
        let primary = try await TestBackend { _, _ in TestBackend.ok("primary") }
        let mirror = try await TestBackend { _, _ in .delayed(milliseconds: 30_000, TestBackend.ok("late")) }
        let proxy = try await ProxyHarness(Self.config(primary: primary.address, mirror: mirror.address))
        let start = ContinuousClock.now
        #expect(try await offPool { try proxy.get("/").text } == "primary")
        let metrics = try await Self.metrics(of: proxy, once: #"outcome="failed"} 1"#, polls: 160)
        let elapsed = ContinuousClock.now - start
        #expect(metrics.contains(#"mesh_mirror_requests_total{service="shadow",outcome="failed"} 1"#), "\(metrics)")
        #expect(elapsed >= .milliseconds(4900), "ended after \(elapsed), before its timeout")
        await proxy.stop()
        await primary.stop()
        await mirror.stop()
    }
}
