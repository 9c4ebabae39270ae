import Foundation
import Synchronization
import Testing

@testable import OperatorAPI

#if canImport(Glibc)
import Glibc
#endif

/// A blocking HTTP/1.1 server on 127.0.0.1 that counts the connections it accepted and answers `ok` to each
/// request; with `closeAfterEach` it closes every connection after one answer (as a restarted peer would look).
private final class CountingServer: Sendable {
    let port: Int
    private let listener: Int32
    private let accepted = Mutex(0)
    private let closeAfterEach: Bool

    init(closeAfterEach: Bool) throws {
        self.closeAfterEach = closeAfterEach
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let listener = fd
        Thread.detachNewThread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 { return }
                accepted.withLock { $0 += 1 }
                Thread.detachNewThread { self.serve(connection) }
            }
        }
    }

    var connections: Int { accepted.withLock { $0 } }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<1000 {  // bounded: a test sends a handful of requests
            let count = read(connection, &buffer, buffer.count)
            if count <= 0 { return }
            pending += buffer[..<count]
            while let end = pending.firstRange(of: Array("\r\n\r\n".utf8)) {
                pending.removeSubrange(..<end.upperBound)
                let answer = Array("HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nok".utf8)
                _ = answer.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
                if closeAfterEach { return }
            }
        }
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}

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
        let kept = try CountingServer(closeAfterEach: false)
        let closing = try CountingServer(closeAfterEach: true)
        let gone = try CountingServer(closeAfterEach: false)
        defer {
            kept.stop()
            closing.stop()
        }
        let gonePort = gone.port
        gone.stop()
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
