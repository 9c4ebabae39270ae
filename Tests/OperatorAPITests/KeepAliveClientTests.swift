import Foundation
import Synchronization
import Testing

@testable import OperatorAPI

#if canImport(Glibc)
import Glibc
#endif

@Suite("KeepAliveClient: kept connections to loopback peers", .serialized)
struct KeepAliveClientTests {
    @Test("calls to one port share one connection")
    func reusesTheConnection() async throws {
        let server = try CountingServer(closeAfterEach: false)
        defer { server.stop() }
        let client = KeepAliveClient()
        for _ in 0..<5 {
            let response = try await client.send(port: server.port, "GET", "/config/version", timeout: .seconds(2))
            #expect(response.status == 200 && response.body == Array("ok".utf8))
        }
        #expect(server.connections == 1)
        client.closeAll()
    }

    @Test("a kept connection the peer closed is replaced, and the call still succeeds")
    func replacesAClosedConnection() async throws {
        let server = try CountingServer(closeAfterEach: true)
        defer { server.stop() }
        let client = KeepAliveClient()
        for _ in 0..<3 {
            let response = try await client.send(port: server.port, "PUT", "/config", body: Array("{}".utf8), timeout: .seconds(2))
            #expect(response.status == 200)
        }
        #expect(server.connections >= 3)
        client.closeAll()
    }

    @Test("sendAll: every call at once, answers in order, kept connections reused and replaced, a refusal in its place")
    func batch() async throws {
        let (kept, closing, gonePort) = try CountingServer.batchPeers()
        defer {
            kept.stop()
            closing.stop()
        }
        let client = KeepAliveClient()
        let calls = [kept.port, gonePort, closing.port].map {
            KeepAliveClient.Call(port: $0, method: "PATCH", target: "/config", body: Array("{}".utf8))
        }
        for _ in 0..<3 {
            let answers = await client.sendAll(calls, timeout: .seconds(2))
            #expect(answers.count == 3)
            #expect((try? answers[0].get())?.body == Array("ok".utf8))
            #expect(throws: APIClientError.connectionRefused("127.0.0.1:\(gonePort)")) { try answers[1].get() }
            #expect((try? answers[2].get())?.status == 200)
        }
        #expect(kept.connections == 1)
        #expect(closing.connections >= 3)
        #expect(await client.sendAll([], timeout: .seconds(1)).isEmpty)
        client.closeAll()
    }

    @Test("nobody listening is a refused connection, not a hang")
    func refused() async throws {
        let server = try CountingServer(closeAfterEach: false)
        let port = server.port
        server.stop()
        await #expect(throws: APIClientError.connectionRefused("127.0.0.1:\(port)")) {
            try await KeepAliveClient().send(port: port, "GET", "/", timeout: .seconds(2))
        }
    }
}
