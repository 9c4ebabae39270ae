import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A webhook receiver on 127.0.0.1 (port 0, read back): answers every request with the status set for its path
/// (200 by default) and remembers each request as read (head and body). One thread, one connection at a time;
/// `stop()` joins it. Also the backend of tests that look at what a proxy sent upstream.
final class TinyWebhookServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let statuses = Mutex<[String: Int]>([:])
    private let requests = Mutex<[String]>([])
    private let done = DispatchSemaphore(value: 0)
    private let stopping = Atomic<Bool>(false)

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: actual.sin_port))
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    func answer(_ path: String, _ status: Int) { statuses.withLock { $0[path] = status } }
    func calls(to path: String) -> Int { received.filter { Self.path(of: $0) == path }.count }
    /// Every request so far, oldest first: the request line, header lines and body as they arrived.
    var received: [String] { requests.withLock { $0 } }
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        _ = done.wait(timeout: .now() + 5)
    }

    private func serve() {
        defer { done.signal() }
        // Bounded: a test calls a webhook a few dozen times at most.
        for _ in 0..<10_000 {
            let fd = accept(listener, nil, nil)
            if fd < 0 || stopping.load(ordering: .sequentiallyConsistent) {
                if fd >= 0 { close(fd) }
                return
            }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let request = Self.readRequest(fd)
            requests.withLock { $0.append(request) }
            let status = statuses.withLock { $0[Self.path(of: request)] } ?? 200
            let response = "HTTP/1.1 \(status) X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            _ = response.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            close(fd)
        }
    }

    /// The request target of a request line (`GET /a?b HTTP/1.1` -> `/a?b`).
    static func path(of request: String) -> String {
        request.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
    }

    /// Reads the head and a Content-Length body.
    private static func readRequest(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<64 {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { break }
            bytes += chunk[0..<n]
            let text = String(decoding: bytes, as: UTF8.self)
            guard let end = text.range(of: "\r\n\r\n") else { continue }
            let length = text[..<end.lowerBound].split(separator: "\r\n")
                .first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if text.utf8.count - text[..<end.upperBound].utf8.count >= length { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func readAll(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<256 {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
