#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pipe used only to wake a thread or an event loop that polls its read end: a signal handler, `stop()` or a new
/// descriptor to watch writes one byte. Both ends are non-blocking and close-on-exec, because the writer must never
/// block (a full pipe already holds a pending wake-up, and a signal handler cannot wait) and no child process may
/// inherit either end (a workload holding the write end would keep the reader's poll from ever seeing it closed).
///
/// One home for that setup: the operator's adopted-exit watcher, the sidecar's shared-socket acceptor and the
/// proxy's signal pipe all used to open it themselves.
public struct WakePipe: Sendable {
    public let readEnd: Int32
    public let writeEnd: Int32

    /// The pipe, or the `errno` of the failed `pipe(2)`.
    public static func open() -> Result<WakePipe, Errno> {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return .failure(Errno(code: errno)) }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        return .success(WakePipe(readEnd: ends[0], writeEnd: ends[1]))
    }

    /// One byte in; a full pipe means a wake-up is already pending, so the failed write is ignored.
    public func wake() {
        Self.wake(writeEnd)
    }

    /// `wake()` for a signal handler, which can reach only a global descriptor: `write` is async-signal-safe, and
    /// `errno` is kept for the code the signal interrupted.
    public static func wake(_ writeEnd: Int32) {
        let saved = errno
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
        errno = saved
    }

    /// Reads away whatever wake-ups are pending (call when poll says the read end is readable).
    public func drain() {
        var bytes = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        _ = withUnsafeMutableBytes(of: &bytes) { read(readEnd, $0.baseAddress, $0.count) }
    }

    public func close() {
        _ = closeDescriptor(readEnd)
        _ = closeDescriptor(writeEnd)
    }

    /// The `errno` of a failed call, as a value a caller can turn into its own error type.
    public struct Errno: Error, Sendable {
        public let code: Int32
    }
}

private func closeDescriptor(_ descriptor: Int32) -> Int32 {
    #if canImport(Glibc)
    Glibc.close(descriptor)
    #else
    Darwin.close(descriptor)
    #endif
}
