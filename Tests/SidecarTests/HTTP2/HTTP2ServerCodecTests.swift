import Foundation
import Sidecar
import SidecarConfig
import Testing

/// The proxy's own HTTP/2 codec on client connections (`HTTP2ServerCodec`), frame by frame with a raw client
/// (`H2ServerScripts.client`), for what the other suites do not reach: the SETTINGS it announces, its stream limit,
/// the abuse bounds, a body that does not match its content-length, stream IDs out of order, and the idle timeout's
/// graceful GOAWAY.
@Suite(.serialized) struct HTTP2ServerCodecTests {
    /// The client's output lines for `mode` against a proxy in front of `backend`.
    private func run(_ mode: String, _ backend: TestBackend, limits: ProxyLimits? = nil) async throws -> [String] {
        var config = ProxyHarness.config(services: [.init(name: "web", endpoints: [backend.address])])
        if let limits { config.limits = limits }
        let proxy = try await ProxyHarness(config)
        defer { Task { await proxy.stop() } }
        let run = try ExternalCommand.python(H2ServerScripts.client, ["\(proxy.port)", mode], timeout: .seconds(30))
        let lines = run.stdout.split(separator: "\n").map(String.init)
        // The proxy serves on: a new connection's request is answered.
        let next = try ExternalCommand.python(H2Scripts.sequentialRequests, ["\(proxy.port)", "1"])
        #expect(next.stdout.contains("streams 1"), "after \(mode): \(next.stdout)\(next.stderr)")
        return lines + (run.stderr.isEmpty ? [] : ["stderr " + run.stderr])
    }

    @Test func theProxyAnnouncesItsLimitsAndRefusesStreamsBeyondOneHundred() async throws {
        let backend = try await TestBackend { _, _ in .delayed(milliseconds: 300, TestBackend.ok()) }
        defer { Task { await backend.stop() } }
        let lines = try await run("limit", backend)
        let settings = try #require(lines.first { $0.hasPrefix("settings ") }, "\(lines)")
        let announced = Set(settings.split(separator: " ").dropFirst().map(String.init))
        // SETTINGS_MAX_CONCURRENT_STREAMS, SETTINGS_HEADER_TABLE_SIZE, SETTINGS_INITIAL_WINDOW_SIZE.
        #expect(announced.isSuperset(of: ["3=100", "1=4096", "4=262144"]), "\(settings)")
        #expect(announced.contains { $0.hasPrefix("6=") }, "no SETTINGS_MAX_HEADER_LIST_SIZE: \(settings)")
        // The 101st stream (ID 201) is refused, REFUSED_STREAM (7); the other 100 are answered.
        #expect(lines.contains("reset 201 7"), "\(lines)")
        #expect(lines.filter { $0.hasPrefix("status ") && $0.hasSuffix(" 200") }.count == 100, "\(lines)")
        #expect(!lines.contains { $0.hasPrefix("goaway") }, "\(lines)")
        #expect(backend.requests.filter { $0.requestLine.hasPrefix("GET /slow ") }.count == 100)
    }

    @Test(
        "abuse gets GOAWAY ENHANCE_YOUR_CALM and a close",
        arguments: ["empty-data", "ping-flood", "stream-errors"])
    func abuseIsCutOff(_ mode: String) async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok() }
        defer { Task { await backend.stop() } }
        let lines = try await run(mode, backend)
        #expect(lines.contains { $0.hasPrefix("goaway 11 ") }, "\(lines)")
        #expect(lines.last == "closed True", "\(lines)")
        if mode == "stream-errors" {
            // 200 malformed requests are reset (PROTOCOL_ERROR) one by one; the next one ends the connection.
            let resets = Int(lines.first { $0.hasPrefix("resets ") }?.dropFirst(7) ?? "") ?? 0
            #expect(resets >= 200 && resets <= 202, "\(lines)")
            // Only the request `run` makes afterwards on a new connection.
            #expect(backend.requests.count == 1, "\(backend.requests.map(\.requestLine))")
        }
    }

    /// RFC 9113 §8.1.1: DATA that does not add up to the content-length makes the request malformed; its stream is
    /// reset (PROTOCOL_ERROR) and no request reaches the endpoint whole, while the connection serves on.
    @Test(arguments: ["length-over", "length-under"])
    func aBodyThatDoesNotMatchItsContentLengthResetsItsStream(_ mode: String) async throws {
        let backend = try await TestBackend { request, _ in TestBackend.ok("got \(request.body.count)\n") }
        defer { Task { await backend.stop() } }
        let lines = try await run(mode, backend)
        #expect(lines.contains("reset 1 1"), "\(lines)")
        #expect(!lines.contains("status 1 200"), "\(lines)")
        #expect(lines.contains("status 3 200"), "\(lines)")
        #expect(!backend.requests.contains { $0.requestLine.hasPrefix("POST") }, "\(backend.requests.map(\.requestLine))")
    }

    /// Streams are the client's, odd-numbered (RFC 9113 §5.1.1): HEADERS on an even one is a connection error
    /// (PROTOCOL_ERROR). (One lower than a stream already opened is closed, and its frames are ignored: they may be
    /// the trailers of a stream the proxy reset.)
    @Test func anEvenStreamIDIsAProtocolError() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok() }
        defer { Task { await backend.stop() } }
        let lines = try await run("even-stream", backend)
        #expect(lines.contains { $0.hasPrefix("goaway 1 ") }, "\(lines)")
        #expect(lines.last == "closed True", "\(lines)")
    }

    /// A connection without streams for `limits.idleTimeout` is told to go away gracefully (GOAWAY NO_ERROR naming
    /// the highest ID, a PING, then on its ACK a GOAWAY naming the last stream processed) and closed.
    @Test func anIdleConnectionGetsAGracefulGoAwayAndIsClosed() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("ok\n") }
        defer { Task { await backend.stop() } }
        var config = ProxyHarness.config(services: [.init(name: "web", endpoints: [backend.address])])
        config.limits = ProxyLimits(idleTimeout: .milliseconds(500))
        let proxy = try await ProxyHarness(config)
        defer { Task { await proxy.stop() } }
        let started = ContinuousClock.now
        let run = try ExternalCommand.python(H2Scripts.drainWatcher, ["\(proxy.port)", "/"], timeout: .seconds(30))
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(ContinuousClock.now - started < .seconds(10), "\(lines)")
        let expected = ["sent", "status 200", "ended ok", "goaway 0 last 2147483647", "goaway 0 last 1", "closed True"]
        #expect(lines == expected, "\(run.stdout)\(run.stderr)")
    }
}
