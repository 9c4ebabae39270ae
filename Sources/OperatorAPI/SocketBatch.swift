import CNIOLinux  // epoll (Glibc's module does not declare it)

#if canImport(Glibc)
import Glibc
#endif

/// One `SocketBatchClient.sendAll`, run on its own thread: each call's connection (kept, or new), its request written
/// as far as the socket takes it, then one epoll for all of them until every answer is in or the deadline passed.
struct SocketBatch {
    /// One call's exchange.
    private struct Exchange {
        let port: Int
        let request: [UInt8]
        var fd: Int32 = -1
        /// On a kept connection: a failure there is tried once more on a new one.
        var kept = false
        var connecting = false
        /// Registered with the batch's epoll.
        var watched = false
        var written = 0
        var received: [UInt8] = []
        var result: Result<APIResponse, APIClientError>?
        var keepAlive = false
    }

    private let client: SocketBatchClient
    private var exchanges: [Exchange]
    private let deadline: ContinuousClock.Instant
    private let answered: (@Sendable (Int) -> Void)?
    private var epoll: Int32 = -1
    private var open = 0

    init(client: SocketBatchClient, calls: [KeepAliveClient.Call], timeout: Duration,
         answered: (@Sendable (Int) -> Void)?) {
        self.client = client
        exchanges = calls.map { Exchange(port: $0.port, request: client.request($0)) }
        deadline = .now + timeout
        self.answered = answered
    }

    mutating func run() -> [Result<APIResponse, APIClientError>] {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else {
            return exchanges.map { _ in .failure(.transport("epoll_create1: \(String(cString: strerror(errno)))")) }
        }
        defer { close(epoll) }
        for index in exchanges.indices {
            if let fd = client.take(exchanges[index].port) {
                exchanges[index].fd = fd
                exchanges[index].kept = true
                open += 1
                proceed(index, readable: false)
            } else {
                connect(index)
            }
        }
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        while open > 0 {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { break }
            let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            let count = epoll_wait(epoll, &events, Int32(events.count), milliseconds)
            if count < 0 && errno != EINTR { break }
            for event in events.prefix(Int(max(count, 0))) {
                let index = Int(event.data.u64)
                guard exchanges.indices.contains(index), exchanges[index].result == nil else { continue }
                proceed(index, readable: event.events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0)
            }
        }
        for index in exchanges.indices where exchanges[index].result == nil {
            finish(index, .failure(.transport("no answer from 127.0.0.1:\(exchanges[index].port) in time")))
        }
        return exchanges.map { $0.result ?? .failure(.transport("not sent")) }
    }

    /// A new connection for the call (the first, or after its kept one failed).
    private mutating func connect(_ index: Int) {
        let port = exchanges[index].port
        guard (1...65535).contains(port) else {
            return finish(index, .failure(.transport("no port for 127.0.0.1:\(port)")))
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return finish(index, .failure(.transport("socket: \(String(cString: strerror(errno)))"))) }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let started = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        exchanges[index].fd = fd
        exchanges[index].kept = false
        exchanges[index].watched = false
        exchanges[index].written = 0
        exchanges[index].received = []
        open += 1
        if started != 0 {
            guard errno == EINPROGRESS else { return fail(index, errno: errno) }
            exchanges[index].connecting = true
            return watch(index, writable: true)
        }
        proceed(index, readable: false)
    }

    /// Moves the exchange on as far as its socket allows: connected, written, then (once epoll said `readable`)
    /// read; and waits on epoll for the rest. Right after a write nothing is read: the answer cannot be there yet.
    private mutating func proceed(_ index: Int, readable: Bool) {
        let fd = exchanges[index].fd
        if exchanges[index].connecting {
            // epoll said writable (or failed): the connect finished, one way or the other.
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 else { return fail(index, errno: errno) }
            if error != 0 { return fail(index, errno: error) }
            exchanges[index].connecting = false
        }
        while exchanges[index].written < exchanges[index].request.count {
            let written = exchanges[index].written
            let sent = exchanges[index].request[written...].withUnsafeBytes {
                send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                exchanges[index].written += sent
            } else if sent < 0 && errno == EINTR {
                continue
            } else if sent < 0 && errno == EAGAIN {
                return watch(index, writable: true)
            } else {
                return fail(index, errno: sent < 0 ? errno : EPIPE)
            }
        }
        guard readable else { return watch(index, writable: false) }
        var ended = false
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                exchanges[index].received += buffer[..<count]
                if count < buffer.count { break }
            } else if count == 0 {
                ended = true
                break
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN {
                break
            } else {
                return fail(index, errno: errno)
            }
        }
        switch HTTPAnswer.read(exchanges[index].received, ended: ended) {
        case .incomplete:
            watch(index, writable: false)
        case .complete(let response, let keepAlive):
            exchanges[index].keepAlive = keepAlive
            finish(index, .success(response))
        case .malformed(let problem):
            if exchanges[index].kept {
                retry(index)
            } else {
                finish(index, .failure(.transport("127.0.0.1:\(exchanges[index].port): \(problem)")))
            }
        }
    }

    /// Asks epoll to report the exchange's socket when it can be read (or written, while the request waits).
    private mutating func watch(_ index: Int, writable: Bool) {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | (writable ? EPOLLOUT.rawValue : 0)
        event.data.u64 = UInt64(index)
        let fd = exchanges[index].fd
        guard epoll_ctl(epoll, exchanges[index].watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event) == 0 else {
            return fail(index, errno: errno)
        }
        exchanges[index].watched = true
    }

    /// A failed exchange: on a kept connection, once more on a new one; else the call's error.
    private mutating func fail(_ index: Int, errno code: Int32) {
        if exchanges[index].kept { return retry(index) }
        let port = exchanges[index].port
        finish(index, .failure(code == ECONNREFUSED ? .connectionRefused("127.0.0.1:\(port)")
            : .transport("127.0.0.1:\(port): \(String(cString: strerror(code)))")))
    }

    private mutating func retry(_ index: Int) {
        close(exchanges[index].fd)  // also takes it out of the epoll
        exchanges[index].fd = -1
        open -= 1
        connect(index)
    }

    /// The call's outcome: its connection kept for the next batch when the answer allows, else closed.
    private mutating func finish(_ index: Int, _ result: Result<APIResponse, APIClientError>) {
        exchanges[index].result = result
        let fd = exchanges[index].fd
        if fd >= 0 {
            open -= 1
            if exchanges[index].watched { epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nil) }
            if case .success = result, exchanges[index].keepAlive {
                client.keep(fd, port: exchanges[index].port)
            } else {
                close(fd)
            }
            exchanges[index].fd = -1
        }
        answered?(index)
    }
}
