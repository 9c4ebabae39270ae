import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends batches of access-log lines to a file from a thread of its own, so no event loop ever waits for a disk.
///
/// Event loops hand over whole batches (`AccessLogSink`); one writer thread appends them in order with `O_APPEND`.
/// What waits is bounded: past `maxQueuedBytes` a batch is dropped and counted, never queued without limit.
final class AccessLogWriter: Sendable {
    /// Bytes handed over and not yet written, beyond which batches are dropped (a stalled disk must not eat memory).
    static let maxQueuedBytes = 8 * 1024 * 1024

    let path: String
    private let fd: Int32
    private let pool: NIOThreadPool
    private let queued = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)

    struct OpenError: Error, CustomStringConvertible {
        var path: String
        var errno: Int32
        var description: String { "cannot open access log \(path): \(String(cString: strerror(errno)))" }
    }

    /// Opens (creating, owner-only) `path` for appending.
    init(path: String) throws(OpenError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw OpenError(path: path, errno: errno) }
        self.path = path
        self.fd = fd
        self.pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
    }

    /// Batches dropped because the writer fell behind (or the file failed).
    var droppedBatches: Int { dropped.load(ordering: .relaxed) }

    /// Queues a batch; returns at once.
    func write(_ batch: ByteBuffer) {
        let size = batch.readableBytes
        guard size > 0 else { return }
        if queued.add(size, ordering: .relaxed).newValue > Self.maxQueuedBytes {
            queued.subtract(size, ordering: .relaxed)
            dropped.add(1, ordering: .relaxed)
            return
        }
        let fd = self.fd
        pool.submit { [self] _ in
            // Runs even when cancelled: the pool cancels queued items only at shutdown, after `close` drained it.
            let ok = batch.withUnsafeReadableBytes { Self.writeAll(fd, $0) }
            if !ok { dropped.add(1, ordering: .relaxed) }
            queued.subtract(size, ordering: .relaxed)
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// Writes what is queued, closes the file and stops the thread.
    func close() async {
        let fd = self.fd
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            pool.submit { _ in
                _ = systemClose(fd)
                continuation.resume()
            }
        }
        try? await pool.shutdownGracefully()
    }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
private let systemClose = Glibc.close
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
private let systemClose = Darwin.close
#endif
