import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// HTTP/1.1 calls to many loopback ports at once, over kept plain sockets: every request written in one go, the
/// answers read as epoll reports them, all on one thread started for the batch (`SocketBatch`).
///
/// The operator pushes every weight change to every proxy's admin endpoint: 201 exchanges at 100 services × 2.
/// Through NIO (`KeepAliveClient.sendAll`) each one cost ~100 µs of the operator's CPU (a hop to the connection's
/// event loop, a timer, the HTTP codec handlers, promises and futures on both ways): most of a change's push. Here an
/// exchange is a `send`, a share of an `epoll_wait` and a `recv`.
///
/// The same rules as `KeepAliveClient`: one idle connection per port; a call on a kept connection that fails is tried
/// once more on a new one (only send requests that may be repeated); answers come back in the calls' order.
/// Answers must say their length (`content-length`) or end with the connection: a proxy's admin endpoint always
/// gives one. A chunked answer is reported as a transport error.
public final class SocketBatchClient: Sendable {
    private let idle = Mutex<[Int: Int32]>([:])
    /// Sent as `Authorization` on every request (a proxy's admin token, `Bearer ...`); nil for none.
    let authorization: String?

    public init(authorization: String? = nil) {
        self.authorization = authorization
    }

    deinit { closeAll() }

    /// Sends every call at once and waits for all the answers, in the calls' order. `answered` is told each call's
    /// index as its answer (or failure) comes in, on the batch's thread.
    public func sendAll(_ calls: [KeepAliveClient.Call], timeout: Duration, answered: (@Sendable (Int) -> Void)? = nil)
        async -> [Result<APIResponse, APIClientError>]
    {
        guard !calls.isEmpty else { return [] }
        // A thread of its own: the batch blocks in epoll_wait, which must not hold one of Swift's few executor threads.
        return await withCheckedContinuation { done in
            Self.detachThread {
                var batch = SocketBatch(client: self, calls: calls, timeout: timeout, answered: answered)
                done.resume(returning: batch.run())
            }
        }
    }

    /// Runs `body` on a new detached thread. A pthread rather than Foundation's `Thread`: this module is linked into
    /// `mesh-proxy`, and `import Foundation` (not FoundationEssentials) brings ICU's 34 MB of data with it, +4.3 MB
    /// of idle RSS per proxy (docs/performance.md, "Session 17").
    private static func detachThread(_ body: @escaping @Sendable () -> Void) {
        final class Body {
            let run: @Sendable () -> Void
            init(_ run: @escaping @Sendable () -> Void) { self.run = run }
        }
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { raw in
            Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, context)
        precondition(created == 0, "pthread_create failed: \(created)")
        pthread_detach(thread)
    }

    /// Closes every kept connection.
    public func closeAll() {
        let all = idle.withLock { idle in
            defer { idle.removeAll() }
            return Array(idle.values)
        }
        for fd in all { close(fd) }
    }

    /// Closes the kept connections to every port but `ports` (the admin ports of the proxies that run): a proxy that
    /// exited leaves its connection half-closed, holding a descriptor until told.
    public func retain(ports: Set<Int>) {
        let dropped = idle.withLock { idle -> [Int32] in
            let gone = idle.filter { !ports.contains($0.key) }
            for port in gone.keys { idle[port] = nil }
            return Array(gone.values)
        }
        for fd in dropped { close(fd) }
    }

    /// The request's bytes: head and body.
    func request(_ call: KeepAliveClient.Call) -> [UInt8] {
        var head = "\(call.method) \(call.target) HTTP/1.1\r\nhost: 127.0.0.1\r\n"
        if let authorization { head += "authorization: \(authorization)\r\n" }
        head += "content-length: \(call.body.count)\r\n\r\n"
        return Array(head.utf8) + call.body
    }

    /// The kept connection to `port`, if there is one.
    func take(_ port: Int) -> Int32? {
        idle.withLock { $0.removeValue(forKey: port) }
    }

    /// Keeps `fd` as the idle connection to `port` (closing the one it replaces). The table holds one connection
    /// per port its owner still pushes to: the owner drops the rest each pass (`retain(ports:)`).
    func keep(_ fd: Int32, port: Int) {
        if let replaced = idle.withLock({ $0.updateValue(fd, forKey: port) }) { close(replaced) }
    }

    /// How many connections are kept (tests).
    var keptCount: Int { idle.withLock { $0.count } }
}
