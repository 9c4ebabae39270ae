import Foundation
import Sidecar
import SidecarConfig
import Testing

/// A draining proxy (SIGTERM, `POST /drain`, a replaced sidecar) tells an HTTP/2 client to go away gracefully:
/// GOAWAY (NO_ERROR) while a stream is in flight, the stream still answered in full, then the connection closed.
@Suite(.serialized) struct HTTP2DrainTests {
    @Test func aDrainSendsGoAwayAndTheStreamInFlightCompletes() async throws {
        let backend = try await TestBackend { _, _ in .delayed(milliseconds: 1000, TestBackend.ok("slow answer\n")) }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [.init(name: "web", endpoints: [backend.address])]))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("drain-\(UUID().uuidString).py")
        try H2Scripts.drainWatcher.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let client = try BackgroundProcess("/usr/bin/python3", [file.path, "\(proxy.port)", "/slow"], readyPrefix: "sent")
        defer { client.stop() }
        // The request has reached the endpoint (which answers a second later): drain now.
        let arrived = ContinuousClock.now + .seconds(5)
        while backend.requests.isEmpty && ContinuousClock.now < arrived { try await Task.sleep(for: .milliseconds(10)) }
        #expect(backend.requests.count == 1)
        let drained = Task { await proxy.server.drain(timeout: .seconds(10)) }

        let deadline = ContinuousClock.now + .seconds(15)
        while client.process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        await drained.value
        await backend.stop()
        let lines = client.text.split(separator: "\n").map(String.init)
        // GOAWAY first (NO_ERROR, 0), before the answer; the answer whole; then the close.
        let goAway = try #require(lines.firstIndex { $0.hasPrefix("goaway 0 ") }, "no GOAWAY: \(lines)")
        let ended = try #require(lines.firstIndex(of: "ended slow answer"), "the stream in flight was not answered: \(lines)")
        #expect(goAway < ended, "\(lines)")
        #expect(lines.contains("status 200"), "\(lines)")
        #expect(!lines.contains { $0.hasPrefix("reset") }, "\(lines)")
        #expect(lines.last == "closed True", "\(lines)")
        // The last GOAWAY names the stream in flight (1) as processed: the client knows it was not refused.
        #expect(lines.last { $0.hasPrefix("goaway") }?.hasSuffix("last 1") == true, "\(lines)")
    }
}
