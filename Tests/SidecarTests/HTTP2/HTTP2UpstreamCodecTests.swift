import Foundation
import Sidecar
import SidecarConfig
import Testing

/// The proxy's own HTTP/2 client codec (`HTTP2UpstreamCodec`) against python3-h2 endpoints, for what the protocol
/// suites do not reach: a server's stream limit and a closed window held to, a malformed frame from the server
/// answered with GOAWAY and its code, a GOAWAY while streams are open.
@Suite(.serialized) struct HTTP2UpstreamCodecTests {
    /// An `http2` service on a python3-h2 endpoint in `mode` (`H2EndpointScripts.endpoint`), and a proxy in front.
    private func start(_ mode: String) async throws -> (BackgroundProcess, ProxyHarness) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("endpoint-\(UUID().uuidString).py")
        try H2EndpointScripts.endpoint.write(to: file, atomically: true, encoding: .utf8)
        let server = try BackgroundProcess("/usr/bin/python3", [file.path, mode], readyPrefix: "port")
        let service = ServiceConfig(name: "web", endpoints: ["127.0.0.1:\(server.readyValue)"], appProtocol: .http2)
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [service]))
        return (server, proxy)
    }

    /// `curl` over HTTP/1.1 to the proxy: one line `STATUS BODY` per URL, the URLs' requests all in flight at once.
    private func get(_ port: Int, _ paths: [String], extra: [String] = []) throws -> [String] {
        let urls = paths.flatMap { ["-o", "/dev/null", "http://127.0.0.1:\(port)\($0)"] }
        let run = try ExternalCommand.run(
            "/usr/bin/curl",
            ["-s", "--parallel", "--parallel-immediate", "--parallel-max", "10", "-w", "%{http_code} %{size_download}\n"]
                + extra + urls)
        return run.stdout.split(separator: "\n").map(String.init)
    }

    /// `curl` POSTs `bytes` bytes to the proxy; its answer's body.
    private func post(_ port: Int, bytes: Int) throws -> String {
        let body = FileManager.default.temporaryDirectory.appendingPathComponent("body-\(UUID().uuidString)")
        try Data(repeating: 0x61, count: bytes).write(to: body)
        defer { try? FileManager.default.removeItem(at: body) }
        let run = try ExternalCommand.run(
            "/usr/bin/curl", ["-s", "--data-binary", "@\(body.path)", "http://127.0.0.1:\(port)/upload"])
        return run.stdout
    }

    /// The server's output once it printed a line starting with `prefix` (at most 5 s).
    private func waitFor(_ prefix: String, in server: BackgroundProcess) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(5)
        while !server.text.contains(prefix) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        return server.text
    }

    @Test func aServerAllowingOneStreamAtATimeGetsItsStreamsOneAfterAnother() async throws {
        let (server, proxy) = try await start("one-stream")
        defer { server.stop(); Task { await proxy.stop() } }
        // A first request lets the server's SETTINGS (MAX_CONCURRENT_STREAMS 1) arrive before the five.
        #expect(try get(proxy.port, ["/warm"]) == ["200 5"])
        let answers = try get(proxy.port, (1...5).map { "/\($0)" })
        #expect(answers == Array(repeating: "200 5", count: 5), "\(answers) \(server.text)")
        #expect(server.text.contains("open 1") && !server.text.contains("open 2"), "\(server.text)")
        #expect(!server.text.contains("error"), "\(server.text)")
    }

    @Test func aBodyWaitsForAWindowOfZeroToOpen() async throws {
        let (server, proxy) = try await start("window-zero")
        defer { server.stop(); Task { await proxy.stop() } }
        #expect(try get(proxy.port, ["/warm"]) == ["200 5"])
        let answer = try post(proxy.port, bytes: 100_000)
        #expect(answer == "got 100000", "\(answer) \(server.text)")
        let text = try await waitFor("early", in: server)
        #expect(text.contains("early 0\n") && !text.contains("error"), "\(text)")
    }

    @Test func aPingIsAnsweredAndNewSettingsAreAppliedAndAcknowledged() async throws {
        let (server, proxy) = try await start("settings-ping")
        defer { server.stop(); Task { await proxy.stop() } }
        #expect(try get(proxy.port, ["/warm"]) == ["200 5"])
        let text = try await waitFor("settings acked 2", in: server)
        #expect(text.contains("ping acked meshping") && text.contains("settings acked 2"), "\(text)")
        // A body through a stream window of 1000 bytes.
        let answer = try post(proxy.port, bytes: 100_000)
        #expect(answer == "got 100000" && !server.text.contains("error"), "\(answer) \(server.text)")
    }

    @Test(
        "a malformed frame from the server gets GOAWAY with its error code, and the proxy serves on",
        arguments: [("data-on-stream-0", 1), ("oversized", 6), ("bad-hpack", 9), ("zero-window-increment", 1)])
    func malformedFrameFromTheServer(_ frame: String, _ code: Int) async throws {
        let (server, proxy) = try await start("malformed-\(frame)")
        defer { server.stop(); Task { await proxy.stop() } }
        #expect(try get(proxy.port, ["/warm"]) == ["200 5"])
        _ = try get(proxy.port, ["/malformed"])
        let text = try await waitFor("goaway", in: server)
        #expect(text.contains("goaway \(code) closed True"), "\(text)")
        #expect(try get(proxy.port, ["/after"]) == ["200 5"], "\(server.text)")
    }

    @Test func aGoAwayWithStreamsOpenEndsTheOnesAfterItsLastAndTheFirstArrivesWhole() async throws {
        let (server, proxy) = try await start("goaway")
        defer { server.stop(); Task { await proxy.stop() } }
        let answers = try get(proxy.port, ["/a", "/b"])
        let text = try await waitFor("goaway sent", in: server)
        #expect(text.contains("goaway sent"), "\(text)")
        // The first stream was answered on the first connection; the second, refused, was tried again on a new one.
        #expect(answers == ["200 5", "200 5"], "\(answers) \(text)")
        #expect(text.contains("conn 2"), "\(text)")
        #expect(try get(proxy.port, ["/after"]) == ["200 5"], "\(server.text)")
    }
}
