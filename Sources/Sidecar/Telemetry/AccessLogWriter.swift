import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
// `stat`'s and `timeval`'s members are found in whichever C module first included their header once swift-crypto
// and swift-nio-ssl are in the graph; MemberImportVisibility wants that module imported.
#if canImport(CoreFoundation)
import CoreFoundation
#endif
#if canImport(CNIOLinux)
import CNIOLinux
#endif

/// Appends batches of access-log lines to a file from a thread of its own, so no event loop ever waits for a disk.
///
/// Event loops hand over whole batches (`AccessLogSink`); one writer thread appends them in order with `O_APPEND`.
/// What waits is bounded: past `maxQueuedBytes` a batch is dropped and counted, never queued without limit.
///
/// The file is bounded too: before a batch would take it past `maxFileBytes`, the writer renames it to `path.1`
/// (older ones move up to `.2` …, at most `files` in all) and opens a new one. The writer owns the file, so this
/// loses nothing; readers (`meshctl logs`, `meshctl trace`) read the generations oldest first.
final class AccessLogWriter: Sendable {
    /// Bytes handed over and not yet written, beyond which batches are dropped (a stalled disk must not eat memory).
    static let maxQueuedBytes = 8 * 1024 * 1024
    /// 10 MiB per file, 3 files (the live one and two older): at most ~30 MiB per proxy.
    static let defaultMaxFileBytes = 10 * 1024 * 1024
    static let defaultFiles = 3

    let path: String
    let maxFileBytes: Int
    let files: Int
    /// The open file and its size; touched only by the writer thread (the lock is never contended).
    private let file: Mutex<(fd: Int32, size: Int)>
    private let pool: NIOThreadPool
    private let queued = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)

    struct OpenError: Error, CustomStringConvertible {
        var path: String
        var errno: Int32
        var description: String { "cannot open access log \(path): \(String(cString: strerror(errno)))" }
    }

    /// Opens (creating, owner-only) `path` for appending.
    init(path: String, maxFileBytes: Int = defaultMaxFileBytes, files: Int = defaultFiles) throws(OpenError) {
        let fd = Self.openForAppend(path)
        guard fd >= 0 else { throw OpenError(path: path, errno: errno) }
        var info = stat()
        let size = fstat(fd, &info) == 0 ? Int(info.st_size) : 0
        self.path = path
        self.maxFileBytes = max(maxFileBytes, 1)
        self.files = max(files, 1)
        self.file = Mutex((fd, size))
        self.pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
    }

    private static func openForAppend(_ path: String) -> Int32 {
        open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
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
        pool.submit { [self] _ in
            // Runs even when cancelled: the pool cancels queued items only at shutdown, after `close` drained it.
            let ok = file.withLock { file in
                if file.size > 0 && file.size + size > maxFileBytes { rotate(&file) }
                let ok = batch.withUnsafeReadableBytes { Self.writeAll(file.fd, $0) }
                if ok { file.size += size }
                return ok
            }
            if !ok { dropped.add(1, ordering: .relaxed) }
            queued.subtract(size, ordering: .relaxed)
        }
    }

    /// `path` becomes `path.1` (`path.1` becomes `path.2` …, the oldest beyond `files` is dropped) and a new, empty
    /// `path` takes the writes. With `files == 1` the file is emptied instead. On failure it keeps appending.
    private func rotate(_ file: inout (fd: Int32, size: Int)) {
        guard files > 1 else {
            if ftruncate(file.fd, 0) == 0 { file.size = 0 }
            return
        }
        unlink("\(path).\(files - 1)")
        for index in stride(from: files - 2, through: 1, by: -1) { rename("\(path).\(index)", "\(path).\(index + 1)") }
        guard rename(path, path + ".1") == 0 else { return }
        let fresh = Self.openForAppend(path)
        guard fresh >= 0 else { return }  // keeps writing into path.1: better than losing lines
        _ = systemClose(file.fd)
        file = (fresh, 0)
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
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            pool.submit { [self] _ in
                _ = file.withLock { systemClose($0.fd) }
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
