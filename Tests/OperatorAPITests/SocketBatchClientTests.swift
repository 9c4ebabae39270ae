import Foundation
import Synchronization
import Testing

@testable import OperatorAPI

@Suite("SocketBatchClient: a push's calls at once over kept plain sockets", .serialized)
struct SocketBatchClientTests {
    @Test("every call at once, answers in order, kept connections reused and replaced, a refusal in its place")
    func batch() async throws {
        let (kept, closing, gonePort) = try CountingServer.batchPeers()
        defer {
            kept.stop()
            closing.stop()
        }
        let client = SocketBatchClient(authorization: "Bearer secret")
        let calls = [kept.port, gonePort, closing.port].map {
            KeepAliveClient.Call(port: $0, method: "PATCH", target: "/config", body: Array("{}".utf8))
        }
        for _ in 0..<3 {
            let answers = await client.sendAll(calls, timeout: .seconds(2))
            #expect(answers.count == 3)
            #expect((try? answers[0].get()) == APIResponse(status: 200, contentType: "text/plain", body: Array("ok".utf8)))
            #expect(throws: APIClientError.connectionRefused("127.0.0.1:\(gonePort)")) { try answers[1].get() }
            #expect((try? answers[2].get())?.status == 200)
        }
        #expect(kept.connections == 1)
        #expect(closing.connections == 3)
        #expect(kept.heads.count == 3)
        #expect(kept.heads.allSatisfy {
            $0.contains("PATCH /config HTTP/1.1\r\n") && $0.contains("\r\nauthorization: Bearer secret\r\n")
                && $0.contains("\r\ncontent-length: 2")
        })
        #expect(await client.sendAll([], timeout: .seconds(1)).isEmpty)
        client.closeAll()
        #expect(client.keptCount == 0)
    }

    @Test("200 calls to one peer each: every answer, one connection per port kept")
    func many() async throws {
        let servers = try (0..<20).map { _ in try CountingServer(closeAfterEach: false) }
        defer { for server in servers { server.stop() } }
        let client = SocketBatchClient()
        let calls = (0..<200).map { KeepAliveClient.Call(port: servers[$0 % 20].port, method: "GET", target: "/config/version") }
        // Ten calls per port in one batch: each takes the kept connection if free, else opens its own.
        let answers = await client.sendAll(calls, timeout: .seconds(5))
        #expect(answers.allSatisfy { (try? $0.get())?.body == Array("ok".utf8) })
        #expect(client.keptCount == 20)
        let again = await client.sendAll(Array(calls.prefix(20)), timeout: .seconds(5))
        #expect(again.allSatisfy { (try? $0.get())?.status == 200 })
        #expect(servers.map(\.connections).reduce(0, +) == 200)  // the second batch reused kept ones
        client.closeAll()
    }

    @Test("retain(ports:) closes the kept connections to every other port")
    func retain() async throws {
        let (kept, other, _) = try CountingServer.batchPeers()
        defer {
            kept.stop()
            other.stop()
        }
        let client = SocketBatchClient()
        let calls = [kept.port, other.port].map { KeepAliveClient.Call(port: $0, method: "GET", target: "/") }
        _ = await client.sendAll(calls, timeout: .seconds(2))
        #expect(client.keptCount == 2)  // `other` closes after its answer, which the batch does not know yet
        client.retain(ports: [kept.port])
        #expect(client.keptCount == 1)
        _ = await client.sendAll([calls[0]], timeout: .seconds(2))
        #expect(kept.connections == 1)  // the retained one was reused
        client.retain(ports: [])
        #expect(client.keptCount == 0)
    }

    @Test("a peer that never answers is an error at the deadline, not a hang")
    func silentPeer() async throws {
        let silent = try CountingServer(closeAfterEach: false, silent: true)
        defer { silent.stop() }
        let client = SocketBatchClient()
        let started = ContinuousClock.now
        let answers = await client.sendAll([KeepAliveClient.Call(port: silent.port, method: "GET", target: "/")],
                                           timeout: .milliseconds(300))
        let waited = started.duration(to: .now)
        #expect(throws: APIClientError.self) { try answers[0].get() }
        #expect(waited >= .milliseconds(300) && waited < .seconds(3))
        #expect(client.keptCount == 0)
    }

    @Test("answered is told each index once")
    func answered() async throws {
        let server = try CountingServer(closeAfterEach: false)
        defer { server.stop() }
        final class Seen: Sendable { let indices = Mutex<[Int]>([]) }
        let seen = Seen()
        let calls = (0..<5).map { _ in KeepAliveClient.Call(port: server.port, method: "GET", target: "/") }
        _ = await SocketBatchClient().sendAll(calls, timeout: .seconds(2)) { index in seen.indices.withLock { $0.append(index) } }
        #expect(seen.indices.withLock { $0.sorted() } == [0, 1, 2, 3, 4])
    }
}

@Suite("HTTPAnswer: one HTTP/1.1 answer from the bytes received so far")
struct HTTPAnswerTests {
    private func read(_ text: String, ended: Bool = false) -> HTTPAnswer { HTTPAnswer.read(Array(text.utf8), ended: ended) }

    @Test("by content-length, across reads")
    func contentLength() {
        let whole = "HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nabcde"
        for cut in [0, 10, whole.utf8.count - 5, whole.utf8.count - 1] {
            #expect(HTTPAnswer.read(Array(whole.utf8.prefix(cut)), ended: false) == .incomplete, "cut at \(cut)")
        }
        #expect(read(whole) == .complete(APIResponse(status: 409, contentType: "application/json", body: Array("abcde".utf8)), keepAlive: true))
    }

    @Test("connection: close, HTTP/1.0, bytes beyond the answer: not kept")
    func notKept() {
        #expect(read("HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 0\r\n\r\n") == .complete(APIResponse(status: 200, contentType: "", body: []), keepAlive: false))
        #expect(read("HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n") == .complete(APIResponse(status: 200, contentType: "", body: []), keepAlive: false))
        #expect(read("HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nab") == .complete(APIResponse(status: 200, contentType: "", body: Array("a".utf8)), keepAlive: false))
    }

    @Test("without a length the body runs to the connection's end")
    func toTheEnd() {
        #expect(read("HTTP/1.1 200 OK\r\n\r\nsome") == .incomplete)
        #expect(read("HTTP/1.1 200 OK\r\n\r\nsome", ended: true) == .complete(APIResponse(status: 200, contentType: "", body: Array("some".utf8)), keepAlive: false))
    }

    @Test("chunked, garbage, an early end: malformed")
    func malformed() {
        for (text, ended) in [("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n", false), ("SSH-2.0-x\r\n\r\n", false),
                              ("HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nab", true), ("HTTP/1.1 2", true), ("", true)] {
            guard case .malformed = read(text, ended: ended) else {
                Issue.record("\(text.debugDescription) read as \(read(text, ended: ended))")
                continue
            }
        }
    }
}
