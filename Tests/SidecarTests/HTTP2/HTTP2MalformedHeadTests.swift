import Foundation
import Sidecar
import SidecarConfig
import Testing

/// Malformed header blocks (RFC 9113 §8.1.1) from either side of an HTTP/2-to-HTTP/2 stream, with python3-h2 told not
/// to check what it sends: the proxy checks every block it receives itself (`HTTP2FieldRules`, nio-http2's own
/// checks are off), resets a malformed request's stream with PROTOCOL_ERROR before it reaches an endpoint, never
/// passes a malformed response on, and serves the connection's next stream as usual.
@Suite(.serialized) struct HTTP2MalformedHeadTests {
    private static func start() async throws -> (BackgroundProcess, ProxyHarness) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-h2-\(UUID().uuidString).py")
        try H2MalformedScripts.endpoint.write(to: file, atomically: true, encoding: .utf8)
        let server = try BackgroundProcess("/usr/bin/python3", [file.path], readyPrefix: "port")
        let config = ProxyHarness.config(
            services: [ServiceConfig(name: "web", endpoints: ["127.0.0.1:\(server.readyValue)"], appProtocol: .http2)])
        return (server, try await ProxyHarness(config))
    }

    private static func lines(_ proxy: ProxyHarness, _ arguments: [String]) throws -> [String] {
        let run = try ExternalCommand.python(H2MalformedScripts.client, ["\(proxy.port)"] + arguments)
        return run.stdout.split(separator: "\n").map(String.init) + (run.stderr.isEmpty ? [] : ["stderr: \(run.stderr)"])
    }

    @Test func aMalformedRequestIsResetWithProtocolErrorAndNeverReachesTheEndpoint() async throws {
        let (server, proxy) = try await Self.start()
        defer { server.stop() }
        defer { Task { await proxy.stop() } }
        var seen = 0
        for malformed in ["upper", "connection", "te", "late-pseudo", "unknown-pseudo", "no-scheme", "empty-path", "newline"] {
            let lines = try Self.lines(proxy, [malformed])
            seen += 1
            // PROTOCOL_ERROR is 1; the next stream on the connection is served, and it is the endpoint's next request.
            #expect(lines == ["reset 1", "status 200", "x-seen \(seen)"], "\(malformed): \(lines)")
        }
        let trailers = try Self.lines(proxy, ["trailer-pseudo"])
        #expect(trailers.first == "reset 1" && trailers.contains("status 200"), "trailer-pseudo: \(trailers)")
    }

    @Test func aMalformedResponseIsNotPassedOn() async throws {
        let (server, proxy) = try await Self.start()
        defer { server.stop() }
        defer { Task { await proxy.stop() } }
        for path in ["/upper", "/connection", "/late-pseudo"] {
            let run = try ExternalCommand.run(
                "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--http2-prior-knowledge",
                                  "http://127.0.0.1:\(proxy.port)\(path)"])
            #expect(run.stdout == "502", "\(path): \(run.stdout) \(run.stderr)")
        }
        // Trailers with a pseudo-field: the response cannot end well, so the client's stream is reset (curl: 92).
        let trailers = try ExternalCommand.run(
            "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--http2-prior-knowledge",
                              "http://127.0.0.1:\(proxy.port)/trailer-pseudo"])
        #expect(trailers.status != 0, "\(trailers.stdout) \(trailers.stderr)")
        let fine = try ExternalCommand.run(
            "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--http2-prior-knowledge",
                              "http://127.0.0.1:\(proxy.port)/fine"])
        #expect(fine.stdout == "200", "\(fine.stdout) \(fine.stderr)")
    }
}
