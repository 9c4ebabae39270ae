import Foundation
import Testing

@testable import OperatorAPI

/// Echoes requests back, and streams three lines on /watch.
private struct EchoHandler: APIHandler {
    func handle(_ request: APIRequest) async -> APIReply {
        if request.path == "/watch" {
            return .lines(AsyncStream { continuation in
                for i in 1...3 { continuation.yield(#"{"n":\#(i)}"#) }
                continuation.finish()
            })
        }
        let text = "\(request.method) \(request.path) \(request.query.sorted { $0.key < $1.key }) \(request.body.count)"
        return .whole(APIResponse(status: request.path == "/missing" ? 404 : 200, contentType: "text/plain", body: Array(text.utf8)))
    }
}

@Suite("operator API over a Unix socket", .serialized)
struct APIServerTests {
    private func withServer(_ body: (String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mesh-api-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("api.sock").path
        let server = APIServer(socketPath: path, handler: EchoHandler())
        let listening = AsyncStream<Void>.makeStream()
        let task = Task { try await server.run { listening.continuation.yield() } }
        for await _ in listening.stream { break }
        try await body(path)
        task.cancel()
        _ = try? await task.value
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func requestsAndAnswersRoundTrip() async throws {
        try await withServer { path in
            let client = APIClient(socketPath: path)
            let response = try await client.send("PUT", "/v1/objects?kind=Service&name=a%20b", body: Array("xyz".utf8))
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == #"PUT /v1/objects [(key: "kind", value: "Service"), (key: "name", value: "a b")] 3"#)
            #expect(try await client.send("GET", "/missing").status == 404)
        }
    }

    @Test func theSocketIsOwnerOnly() async throws {
        try await withServer { path in
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
        }
    }

    @Test func watchStreamsLines() async throws {
        try await withServer { path in
            let lines = LineCollector()
            try await APIClient(socketPath: path).streamLines("GET", "/watch") { line in
                await lines.add(line)
                return true
            }
            #expect(await lines.lines == [#"{"n":1}"#, #"{"n":2}"#, #"{"n":3}"#])
        }
    }

    @Test func noOperatorIsReportedWithWhatToDo() async throws {
        let client = APIClient(socketPath: "/tmp/definitely-not-here-\(UUID().uuidString).sock")
        await #expect(throws: APIClientError.self) { _ = try await client.send("GET", "/v1/objects") }
        do {
            _ = try await client.send("GET", "/")
        } catch {
            #expect(error.description.contains("start one with `meshctl up`"))
        }
    }
}

private actor LineCollector {
    var lines: [String] = []
    func add(_ line: String) { lines.append(line) }
}
