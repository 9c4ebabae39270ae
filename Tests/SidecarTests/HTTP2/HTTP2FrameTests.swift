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
}
