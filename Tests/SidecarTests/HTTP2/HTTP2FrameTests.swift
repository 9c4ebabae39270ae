import Foundation
import Sidecar
import SidecarConfig
import Testing

/// Frame-level behaviour with python3-h2 and raw frames: malformed frames get GOAWAY with the code RFC 9113 names
/// and a close (never a crash), a rapid-reset flood is cut off, and a client that stops reading holds the upstream
/// instead of making the proxy buffer the response.
@Suite(.serialized) struct HTTP2FrameTests {
    @Test(
        "a malformed frame gets GOAWAY with its error code, the connection closes, and the proxy serves on",
        arguments: [("oversized", 6), ("data-on-stream-0", 1), ("bad-hpack", 9)])
    func malformedFrames(_ frame: String, _ code: Int) async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok() }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [.init(name: "web", endpoints: [backend.address])]))
        defer { Task { await proxy.stop(); await backend.stop() } }
        let run = try ExternalCommand.python(H2Scripts.frames, ["\(proxy.port)", frame])
        #expect(run.stdout.contains("goaway \(code) closed True"), "\(run.stdout)\(run.stderr)")
        let next = try ExternalCommand.python(H2Scripts.sequentialRequests, ["\(proxy.port)", "1"])
        #expect(next.stdout.contains("streams 1"))
    }

    @Test func aRapidResetFloodGetsEnhanceYourCalmAndReachesFewRequestsUpstream() async throws {
        let backend = try await TestBackend { _, _ in .delayed(milliseconds: 50, TestBackend.ok()) }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [.init(name: "web", endpoints: [backend.address])]))
        defer { Task { await proxy.stop(); await backend.stop() } }
        let run = try ExternalCommand.python(H2Scripts.frames, ["\(proxy.port)", "rapid-reset"])
        #expect(run.stdout.contains("goaway 11 closed True"), "\(run.stdout)\(run.stderr)")  // ENHANCE_YOUR_CALM
        #expect(backend.requests.count <= 250, "\(backend.requests.count) requests reached the upstream")
        let next = try ExternalCommand.python(H2Scripts.sequentialRequests, ["\(proxy.port)", "1"])
        #expect(next.stdout.contains("streams 1"))
    }

    @Test func aClientThatStopsReadingHoldsTheUpstreamNotTheProxysMemory() async throws {
        let size = 64 << 20
        let backend = try await TestBackend { _, _ in .stream(count: size) }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [.init(name: "web", endpoints: [backend.address])]))
        defer { Task { await proxy.stop(); await backend.stop() } }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("slow-\(UUID().uuidString).py")
        try H2Scripts.slowReader.write(to: file, atomically: true, encoding: .utf8)
        let reader = try BackgroundProcess("/usr/bin/python3", [file.path, "\(proxy.port)", "/big"], readyPrefix: "stalled")
        defer { reader.stop() }
        let during = backend.streamedBytes
        try await Task.sleep(for: .milliseconds(800))
        let later = backend.streamedBytes
        // The client's window (64 KiB) and the sockets' buffers, not the body: the upstream is held.
        #expect(later < 16 << 20, "the upstream sent \(later) bytes to a client that reads nothing")
        #expect(later - during < 1 << 20, "still streaming while the client reads nothing: \(during) -> \(later)")
        let deadline = ContinuousClock.now + .seconds(60)
        while reader.process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(reader.text.contains("total \(size) ended True"), "\(reader.text)")
    }

    /// The same over an HTTP/2 endpoint (`appProtocol: http2`): the proxy hands the endpoint's stream window back
    /// only while the client takes the bytes, so the endpoint stops sending, and goes on once the client reads.
    @Test func aClientThatStopsReadingHoldsAnHTTP2Upstream() async throws {
        let size = 64 << 20
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID().uuidString).py")
        try H2Scripts.bigServer.write(to: file, atomically: true, encoding: .utf8)
        let server = try BackgroundProcess("/usr/bin/python3", [file.path, "\(size)"], readyPrefix: "port")
        defer { server.stop() }
        let service = ServiceConfig(name: "web", endpoints: ["127.0.0.1:\(server.readyValue)"], appProtocol: .http2)
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [service]))
        defer { Task { await proxy.stop() } }
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("slow-\(UUID().uuidString).py")
        try H2Scripts.slowReader.write(to: script, atomically: true, encoding: .utf8)
        let reader = try BackgroundProcess("/usr/bin/python3", [script.path, "\(proxy.port)", "/big"], readyPrefix: "stalled")
        defer { reader.stop() }
        func sent() -> Int {
            Int(server.text.split(separator: "\n").last { $0.hasPrefix("sent ") }?.dropFirst(5) ?? "") ?? -1
        }
        try await Task.sleep(for: .milliseconds(300))
        let during = sent()
        try await Task.sleep(for: .milliseconds(800))
        let later = sent()
        #expect(later >= 0 && later < 4 << 20, "the endpoint sent \(later) bytes to a client that reads nothing")
        #expect(later - during < 512 << 10, "still streaming while the client reads nothing: \(during) -> \(later)")
        let deadline = ContinuousClock.now + .seconds(60)
        while reader.process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(reader.text.contains("total \(size) ended True"), "\(reader.text)")
    }

    /// A client uploading faster than the endpoint takes the body: the proxy hands the stream's window back only
    /// while the endpoint's connection is writable, so the client is held by its window and the proxy buffers
    /// neither the body nor anything beyond the sockets' buffers.
    @Test func aFastUploaderToAnEndpointThatReadsNothingIsHeldByItsWindow() async throws {
        let size = 256 << 20
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("deaf-\(UUID().uuidString).py")
        try H2UploadScripts.deafServer.write(to: file, atomically: true, encoding: .utf8)
        let server = try BackgroundProcess("/usr/bin/python3", [file.path], readyPrefix: "port")
        defer { server.stop() }
        let service = ServiceConfig(name: "web", endpoints: ["127.0.0.1:\(server.readyValue)"])
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [service]))
        defer { Task { await proxy.stop() } }
        let run = try ExternalCommand.python(H2UploadScripts.fastUploader, ["\(proxy.port)", "\(size)"])
        let sent = Int(run.stdout.split(separator: "\n").last { $0.hasPrefix("sent ") }?.dropFirst(5) ?? "") ?? -1
        // The endpoint's socket buffers (a few MB on loopback) and one stream window, not the 256 MB body.
        #expect(sent > 0 && sent < 32 << 20, "the client could send \(sent) bytes to an endpoint that reads nothing: \(run.stderr)")
    }

    /// A response whose last DATA frame is the one after which the proxy hands the endpoint's connection window
    /// back (256 KiB): that WINDOW_UPDATE once made nio-http2 report the stream closed before its last DATA reached
    /// it, and the client got a reset instead of the end (one response in 87,381 of h2load's 3 bytes).
    @Test func aResponseEndingWhereTheConnectionWindowIsHandedBackArrivesWhole() async throws {
        let size = 256 << 10
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID().uuidString).py")
        try H2Scripts.bigServer.write(to: file, atomically: true, encoding: .utf8)
        let server = try BackgroundProcess("/usr/bin/python3", [file.path, "\(size)"], readyPrefix: "port")
        defer { server.stop() }
        let service = ServiceConfig(name: "web", endpoints: ["127.0.0.1:\(server.readyValue)"], appProtocol: .http2)
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [service]))
        defer { Task { await proxy.stop() } }
        let run = try ExternalCommand.run("/usr/bin/curl", [
            "-s", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
            "http://127.0.0.1:\(proxy.port)/quarter",
        ])
        #expect(run.stdout == "200 \(size)", "\(run.stdout) \(run.stderr)")
    }
}
