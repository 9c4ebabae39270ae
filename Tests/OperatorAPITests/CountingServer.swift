import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A blocking HTTP/1.1 server on 127.0.0.1 that counts the connections it accepted and answers `ok` to each
/// request; with `closeAfterEach` it closes every connection after one answer (as a restarted peer would look);
/// `silent` reads requests and never answers (a hung peer). It keeps each request's head (`heads`).
final class CountingServer: Sendable {
    let port: Int
    private let listener: Int32
    private let accepted = Mutex(0)
    private let closeAfterEach: Bool
    private let silent: Bool
    private let received = Mutex<[String]>([])
    private let acceptorDone = DispatchSemaphore(value: 0)

    init(closeAfterEach: Bool, silent: Bool = false) throws {
        self.closeAfterEach = closeAfterEach
        self.silent = silent
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
            defer { acceptorDone.signal() }
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 { return }
                accepted.withLock { $0 += 1 }
                Thread.detachNewThread { self.serve(connection) }
            }
        }
    }

    var connections: Int { accepted.withLock { $0 } }

    /// Every request head received, in order.
    var heads: [String] { received.withLock { $0 } }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<1000 {  // bounded: a test sends a handful of requests
            let count = read(connection, &buffer, buffer.count)
            if count <= 0 { return }
            pending += buffer[..<count]
            while let end = pending.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
                received.withLock { $0.append(head) }
                pending.removeSubrange(..<end.upperBound)
                if silent { continue }
                let answer = Array("HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nok".utf8)
                _ = answer.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
                if closeAfterEach { return }
            }
        }
    }

    /// Stops accepting. The listener is closed only once the accepting thread is done with it: closed earlier, its
    /// number could be a new server's listener by the time that thread calls accept, which would then take (and
    /// count) the new server's connections.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        _ = acceptorDone.wait(timeout: .now() + 5)
        close(listener)
    }

    /// A batch test's three peers: one that keeps its connections, one that closes each after an answer, and the
    /// port of one that stopped (nobody listens).
    static func batchPeers() throws -> (kept: CountingServer, closing: CountingServer, gonePort: Int) {
        let kept = try CountingServer(closeAfterEach: false)
        let closing = try CountingServer(closeAfterEach: true)
        let gone = try CountingServer(closeAfterEach: false)
        gone.stop()
        return (kept, closing, gone.port)
    }
}
