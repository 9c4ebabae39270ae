import Dispatch
import NIOCore
import NIOPosix
import Synchronization
import WakePipe

#if canImport(Glibc)
import Glibc
#endif

/// Accepts from a listening socket that other processes accept from too (the operator's kept outbound socket, shared
/// by an old and a new sidecar during a data-plane upgrade), on a thread of its own, and hands each connection to
/// an event loop as a NIO channel.
///
/// Why not NIO's server channel: epoll wakes every process that polls the socket for each connection; all but one
/// find nothing to accept, and NIO treats a readable event that reads nothing as a broken invariant
/// (`assert(readResult == .some)` in `BaseSocketChannel.readable0`: a crash in debug builds). Here an empty wake-up
/// (`EAGAIN`) just polls again.
final class SharedSocketAcceptor: @unchecked Sendable {
    private let listener: Int32
    private let wakePipe: WakePipe
    private let group: any EventLoopGroup
    private let initialize: @Sendable (any Channel) throws -> Void
    private let flags: Mutex<(stopped: Bool, accepting: Bool)>

    /// Starts the thread; with `accepting: false` it takes nothing until `startAccepting()` (the kernel queues).
    init(listener: Int32, group: any EventLoopGroup, accepting: Bool,
         initialize: @escaping @Sendable (any Channel) throws -> Void) throws {
        wakePipe = try WakePipe.open().mapError { IOError(errnoCode: $0.code, reason: "pipe") }.get()
        // Non-blocking on the shared open file description: an accept that another process won answers EAGAIN.
        _ = fcntl(listener, F_SETFL, fcntl(listener, F_GETFL) | O_NONBLOCK)
        _ = fcntl(listener, F_SETFD, FD_CLOEXEC)
        self.listener = listener
        self.group = group
        self.initialize = initialize
        self.flags = Mutex((stopped: false, accepting: accepting))
        // A blocking loop on a queue of its own (one per inherited socket, so one thread): no Foundation `Thread`
        // in the lean proxy.
        DispatchQueue(label: "shared-accept").async { [self] in self.serve() }
    }

    func startAccepting() {
        flags.withLock { $0.accepting = true }
        wakePipe.wake()
    }

    /// Stops the thread, which then closes this process's descriptor of the socket (the socket itself stays open in
    /// the operator and any other sidecar, with whatever is queued in it).
    func close() {
        flags.withLock { $0.stopped = true }
        wakePipe.wake()
    }

    private func serve() {
        defer {
            Glibc.close(listener)
            wakePipe.close()
        }
        while true {
            let (stop, take) = flags.withLock { ($0.stopped, $0.accepting) }
            if stop { return }
            var fds = [pollfd(fd: wakePipe.readEnd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: listener, events: take ? Int16(POLLIN) : 0, revents: 0)]
            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready < 0 && errno != EINTR { return }
            if fds[0].revents != 0 { wakePipe.drain() }
            guard take, fds[1].revents != 0 else { continue }
            // Up to 64 at a time, then look at the wake pipe again.
            for _ in 0..<64 {
                let connection = accept(listener, nil, nil)
                if connection < 0 {
                    if errno == EMFILE || errno == ENFILE { usleep(10_000) }  // out of descriptors: let some close
                    break  // EAGAIN: another process took it; ECONNABORTED and the like: the next one
                }
                _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
                _ = fcntl(connection, F_SETFL, fcntl(connection, F_GETFL) | O_NONBLOCK)
                hand(connection)
            }
        }
    }

    private func hand(_ connection: Int32) {
        let initialize = self.initialize
        let made = ClientBootstrap(group: group.next())
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try initialize(channel) } }
            .withConnectedSocket(connection)
        made.whenSuccess { _ in }  // a failure is NIO's to clean up; the client sees its connection close
    }
}
