import Foundation
import SidecarConfig
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A proxy's admin endpoint and nothing else, on a port the operator chose for a proxy the fake runtime "started":
/// `GET /config/version` answers the version it was last given, `PUT /config` takes a whole configuration (kept for
/// the test to read), `PATCH /config` asks for the whole document (409), anything else is 200. Keep-alive, a thread
/// per connection, as the operator's `KeepAliveClient` expects; `stop()` closes every socket and joins the threads.
final class FakeProxyAdmin: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let configs = Mutex<[SidecarConfiguration]>([])
    private let connections = Mutex<[Int32]>([])
    private let stopping = Atomic<Bool>(false)
    private let threads = DispatchGroup()

    init(port: Int) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        self.port = port
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = TinyWebhookServer.loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else {
            close(listener)
            throw POSIXError(.EADDRINUSE)
        }
        threads.enter()
        Thread { [self] in acceptLoop() }.start()
    }

    /// Every configuration pushed, oldest first.
    var pushed: [SidecarConfiguration] { configs.withLock { $0 } }

    /// The registered (or other) endpoints the last pushed configuration gives `service`; nil before any push.
    func endpoints(of service: String) -> [String]? {
        pushed.last.map { $0.services.first { $0.name == service }?.endpoints ?? [] }
    }

    /// Whether the last pushed configuration lists `service` at all.
    func lists(_ service: String) -> Bool { pushed.last?.services.contains { $0.name == service } ?? false }

    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in connections.withLock({ $0 }) { shutdown(fd, Int32(SHUT_RDWR)) }
        _ = threads.wait(timeout: .now() + 5)
    }

    private func acceptLoop() {
        defer { threads.leave() }
        // Bounded: the operator keeps one connection per port open, and opens another only after one closes.
        for _ in 0..<1_000 {
            let fd = accept(listener, nil, nil)
            if fd < 0 || stopping.load(ordering: .sequentiallyConsistent) {
                if fd >= 0 { close(fd) }
                return
            }
            connections.withLock { $0.append(fd) }
            threads.enter()
            Thread { [self] in
                defer { threads.leave() }
                serve(fd)
                close(fd)
            }.start()
        }
    }

    /// Answers requests on one connection until the peer closes it (or `stop()`); bounded in count.
    private func serve(_ fd: Int32) {
        var buffer: [UInt8] = []
        for _ in 0..<10_000 {
            guard let (head, body) = Self.nextRequest(fd, buffer: &buffer) else { return }
            let line = head.split(separator: "\r\n").first?.split(separator: " ") ?? []
            let (method, path) = (line.first.map(String.init) ?? "", line.dropFirst().first.map(String.init) ?? "")
            var status = 200
            var answer = "{}"
            switch (method, path) {
            case ("GET", "/config/version"):
                answer = #"{"version":"\#(configs.withLock { $0.last?.version } ?? "booted")"}"#
            case ("PUT", "/config"):
                if let config = try? SidecarConfiguration.decode(json: Data(body)) {
                    configs.withLock { $0.append(config) }
                } else {
                    status = 400
                    answer = "undecodable configuration"
                }
            case ("PATCH", "/config"):
                status = 409  // the whole document, please
            default:
                break
            }
            let response = "HTTP/1.1 \(status) X\r\nContent-Length: \(answer.utf8.count)\r\n\r\n\(answer)"
            guard response.withCString({ send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }) > 0 else { return }
        }
    }

    /// The next request's head and body from `buffer` topped up from `fd`; nil when the connection ended.
    private static func nextRequest(_ fd: Int32, buffer: inout [UInt8]) -> (String, [UInt8])? {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        for _ in 0..<100_000 {
            if let end = headEnd(buffer) {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                let length = head.split(separator: "\r\n")
                    .first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if buffer.count - (end + 4) >= length {
                    let body = Array(buffer[(end + 4)..<(end + 4 + length)])
                    buffer.removeFirst(end + 4 + length)
                    return (head, body)
                }
            }
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { return nil }
            buffer += chunk[0..<n]
        }
        return nil
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }
}
