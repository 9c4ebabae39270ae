import NIOCore
import NIOPosix
import WakePipe

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The write end of the signal pipe: all a signal handler touches (`write` is async-signal-safe). Set once, before
/// the handlers are installed.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

extension ProxyServer {
    /// Drains on SIGTERM or SIGINT (once per process: the command line's `run` calls it).
    ///
    /// The handler writes a byte into a pipe whose read end one of the server's event loops reads. Why not a
    /// `DispatchSource`: it starts libdispatch's manager thread and a worker, and any second thread in the process
    /// makes every descriptor syscall of the data plane take the kernel's shared-files path (docs/performance.md,
    /// "one thread"): `mesh-proxy` serves with its event loop as its only thread.
    public func drainOnSignals(_ numbers: [Int32] = [SIGTERM, SIGINT]) async throws {
        let pipe = try WakePipe.open().mapError { IOError(errnoCode: $0.code, reason: "pipe") }.get()
        let channel: any Channel
        do {
            channel = try await NIOPipeBootstrap(group: group)
                .takingOwnershipOfDescriptor(input: pipe.readEnd).get()
        } catch {
            pipe.close()
            throw error
        }
        try await channel.pipeline.addHandler(SignalPipeReader(server: self))
        // A blocked signal is never handled, and a signal mask survives exec: a parent that blocks SIGTERM (Foundation's
        // `Process` in the tests does) would leave the proxy deaf to it. Unblocked on the loop's thread, which lives
        // as long as the proxy, so the kernel delivers the signals there whatever the other threads block.
        try await channel.eventLoop.submit {
            var set = sigset_t()
            sigemptyset(&set)
            for number in numbers { sigaddset(&set, number) }
            _ = pthread_sigmask(SIG_UNBLOCK, &set, nil)
        }.get()
        signalPipeWriteEnd = pipe.writeEnd
        for number in numbers {
            signal(number) { _ in WakePipe.wake(signalPipeWriteEnd) }
        }
    }
}

/// Starts a drain for every byte the signal handler wrote (a second signal finds the drain already going).
private final class SignalPipeReader: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let server: ProxyServer

    init(server: ProxyServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        server.beginDrain()
    }
}
