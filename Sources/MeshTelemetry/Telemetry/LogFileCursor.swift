import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads a growing file line by line from where the last read stopped: whole lines only (a line still being
/// written waits for the next read), for `meshctl logs -f`.
///
/// Rotation (`LogRotation`, the proxies' access-log writer) is followed: when the file was replaced (another inode)
/// or shrank (truncated), the lines it had past our offset are now in `path.1`, and are read from there first.
public final class LogFileCursor {
    public let path: String
    public private(set) var offset: UInt64 = 0
    private var inode: UInt64?

    public init(path: String) {
        self.path = path
    }

    /// The complete lines written since the last call (at most `maxBytes` read per call).
    public func readLines(maxBytes: Int = 64 * 1024 * 1024) -> [Substring] {
        guard let complete = readChunk(maxBytes: maxBytes) else { return [] }
        let text = String(decoding: complete, as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
    }

    /// The bytes of the complete lines written since the last call (at most `maxBytes`), newline included; nil
    /// when there is none.
    public func readChunk(maxBytes: Int = 64 * 1024 * 1024) -> Data? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var info = stat()
        let current = fstat(handle.fileDescriptor, &info) == 0 ? UInt64(info.st_ino) : nil
        let size = (try? handle.seekToEnd()) ?? 0
        if size < offset || (inode != nil && current != inode) {
            // Rotated: what we had not read yet is at the end of `path.1`; then this file from its beginning.
            let rest = FileHandle(forReadingAtPath: path + ".1").flatMap { Self.completeLines(of: $0, from: offset, maxBytes: maxBytes) }
            offset = 0
            inode = current
            if let rest, !rest.isEmpty { return rest }
        }
        inode = current
        guard let complete = Self.completeLines(of: handle, from: offset, maxBytes: maxBytes) else { return nil }
        offset += UInt64(complete.count)
        return complete
    }

    /// The complete lines of `handle` from `offset` (at most `maxBytes`), newline included; nil when there is none.
    private static func completeLines(of handle: FileHandle, from offset: UInt64, maxBytes: Int) -> Data? {
        let size = (try? handle.seekToEnd()) ?? 0
        guard size > offset else { return nil }
        try? handle.seek(toOffset: offset)
        let data = (try? handle.read(upToCount: min(Int(size - offset), maxBytes))) ?? Data()
        guard let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")) else { return nil }
        return Data(data[data.startIndex...lastNewline])
    }

    /// Every complete line up to the end of the file, in chunks of `readLines`.
    public func readAllLines() -> [Substring] {
        var lines: [Substring] = []
        while true {
            let chunk = readLines()
            if chunk.isEmpty { return lines }
            lines += chunk
        }
    }

    /// When the file was last written, in Unix seconds.
    public var modificationTime: Double? {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970
    }
}
