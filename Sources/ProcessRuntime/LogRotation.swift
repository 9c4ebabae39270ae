import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Size-bounded output logs for the processes the operator starts: past `maxBytes`, `name.log` is copied to
/// `name.log.1` (older copies move up to `.2` …, the oldest dropped) and then truncated, so a process keeps at most
/// `files` files of about `maxBytes` each. The same names as the proxies' access-log rotation, so readers find
/// every generation the same way (MeshTelemetry's `RotatedLog`).
///
/// Why copy-then-truncate and not rename-and-reopen: the child writes the file itself, through a descriptor it got
/// at spawn, and it must outlive the operator (a `kill -9` of the operator stops nothing), so the operator cannot
/// own a pipe in between, and the child cannot be told to reopen. After a rename it would go on writing into
/// `name.log.1`. Truncating the file it writes is safe because the descriptor is `O_APPEND`: its next write lands at
/// the new end, not at its old offset (no hole). What is written between the last copy and the truncate is lost;
/// the copy is repeated until the file stops growing (bounded), which makes that window microseconds — logrotate's
/// `copytruncate` has the same trade.
public struct LogRotation: Sendable, Hashable {
    /// 10 MiB: a few minutes of a chatty workload, days of a quiet one.
    public static let defaultMaxBytes = 10 * 1024 * 1024
    /// The live file and two older ones.
    public static let defaultFiles = 3

    public var maxBytes: Int
    /// Files kept per log, the live one included (at least 1: then the log is only truncated).
    public var files: Int

    public init(maxBytes: Int = Self.defaultMaxBytes, files: Int = Self.defaultFiles) {
        precondition(maxBytes > 0, "a log needs room for something")
        self.maxBytes = maxBytes
        self.files = max(files, 1)
    }

    /// Rotates `path` when it is larger than `maxBytes`; returns whether it did.
    @discardableResult
    public func rotateIfNeeded(_ path: String) -> Bool {
        guard let size = Self.size(of: path), size > maxBytes else { return false }
        Self.shift(path, files: files)
        let source = open(path, O_RDWR | O_CLOEXEC)
        guard source >= 0 else { return false }
        defer { close(source) }
        if files > 1 {
            let copy = open(path + ".1", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard copy >= 0 else { return false }
            defer { close(copy) }
            // Copy until the file stops growing (bounded: a writer faster than this loop loses the rest).
            var copied = 0
            for _ in 0..<8 {
                let more = Self.copy(from: source, offset: copied, to: copy)
                copied += more
                if more == 0 { break }
            }
        }
        return ftruncate(source, 0) == 0
    }

    /// Moves `path.N` to `path.N+1` from the oldest down, dropping what would pass `files - 1`.
    static func shift(_ path: String, files: Int) {
        guard files > 1 else { return }
        unlink("\(path).\(files - 1)")
        for index in stride(from: files - 2, through: 1, by: -1) {
            rename("\(path).\(index)", "\(path).\(index + 1)")
        }
    }

    static func size(of path: String) -> Int? {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : nil
    }

    /// Appends what `source` holds from `offset` to its current end onto `destination`; returns the bytes copied.
    private static func copy(from source: Int32, offset: Int, to destination: Int32) -> Int {
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        var position = offset
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(source, $0.baseAddress, $0.count, off_t(position)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            var written = 0
            while written < count {
                let n = buffer.withUnsafeBytes { write(destination, $0.baseAddress! + written, count - written) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return position - offset }
                written += n
            }
            position += count
        }
        return position - offset
    }
}
