#if canImport(Glibc)
import Glibc
#endif

/// A blocking loopback client that writes exact bytes and reads exact bytes, with a receive timeout so no test
/// can hang.
final class RawClient {
    let fd: Int32
    private var buffered: [UInt8] = []

    struct Response {
        var status: Int
        var head: String
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? {
            TestBackend.Request(head: head, body: [], connection: 0).header(name)
        }
    }

    enum Failure: Error { case connect, closed, timeout, malformed(String) }

    /// `receiveBuffer`: SO_RCVBUF in bytes, set before connecting (a small one makes the peer's writes back up).
    init(port: Int, timeoutSeconds: Int = 5, receiveBuffer: Int? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer.map(CInt.init) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<CInt>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if result != 0 {
            close(fd)
            throw Failure.connect
        }
    }

    deinit { close(fd) }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads more bytes; empty at EOF.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 { throw Failure.timeout }
        if n == 0 { return false }
        buffered += chunk[0..<n]
        return true
    }

    /// Exactly `count` bytes (fewer only if the peer closes first).
    func read(count: Int) throws -> [UInt8] {
        while buffered.count < count, try fill() {}
        let taken = Array(buffered.prefix(count))
        buffered.removeFirst(taken.count)
        return taken
    }

    /// Everything until the peer closes.
    func readToEnd() throws -> [UInt8] {
        while try fill() {}
        defer { buffered = [] }
        return buffered
    }

    /// True when the peer closed (EOF) with nothing more to read.
    func isClosedByPeer() -> Bool {
        guard buffered.isEmpty else { return false }
        return (try? fill()) == false
    }

    /// One response, framed by content-length, chunked, or close.
    func readResponse(method: String = "GET") throws -> Response {
        var end: Int? = nil
        while end == nil {
            end = buffered.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound
            if end == nil { guard try fill() else { throw Failure.closed } }
        }
        let head = String(decoding: buffered[..<end!], as: UTF8.self)
        buffered.removeFirst(end!)
        let parts = head.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure.malformed(head) }
        var response = Response(status: status, head: head, body: [])
        if status < 200 { return response }
        if method == "HEAD" || status == 204 || status == 304 { return response }
        if let length = response.header("content-length").flatMap(Int.init) {
            while buffered.count < length { guard try fill() else { throw Failure.closed } }
            response.body = Array(buffered[..<length])
            buffered.removeFirst(length)
        } else if response.header("transfer-encoding")?.lowercased().hasSuffix("chunked") == true {
            response.body = try readChunked()
        } else {
            response.body = try readToEnd()
        }
        return response
    }

    private func readChunked() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            var lineEnd: Int? = nil
            while lineEnd == nil {
                lineEnd = buffered.firstRange(of: Array("\r\n".utf8))?.lowerBound
                if lineEnd == nil { guard try fill() else { throw Failure.closed } }
            }
            let line = String(decoding: buffered[..<lineEnd!], as: UTF8.self)
            buffered.removeFirst(lineEnd! + 2)
            guard let size = Int(line.split(separator: ";")[0], radix: 16) else { throw Failure.malformed(line) }
            if size == 0 {
                while buffered.firstRange(of: Array("\r\n".utf8))?.lowerBound != 0 {
                    // trailers: skip lines until the empty one
                    if let e = buffered.firstRange(of: Array("\r\n".utf8)) {
                        buffered.removeFirst(e.upperBound)
                    } else {
                        guard try fill() else { throw Failure.closed }
                    }
                }
                buffered.removeFirst(2)
                return body
            }
            while buffered.count < size + 2 { guard try fill() else { throw Failure.closed } }
            body += buffered[..<size]
            buffered.removeFirst(size + 2)
        }
    }

    /// Sends a simple request and reads its response.
    func request(_ method: String = "GET", _ path: String = "/", headers: [String] = [], body: String? = nil) throws
        -> Response
    {
        var text = "\(method) \(path) HTTP/1.1\r\nhost: test\r\n"
        for header in headers { text += header + "\r\n" }
        if let body { text += "content-length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        send(text)
        return try readResponse(method: method)
    }
}

import Foundation

/// Runs blocking socket work on a thread of its own, so neither the Swift concurrency pool (which the admin
/// endpoint uses) nor Dispatch's small worker pool is ever blocked by a test's reads.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
