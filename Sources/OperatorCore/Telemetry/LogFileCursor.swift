import Foundation

/// Reads a growing file line by line from where the last read stopped: whole lines only (a line still being
/// written waits for the next read), for `meshctl logs -f`.
public final class LogFileCursor {
    public let path: String
    public private(set) var offset: UInt64 = 0

    public init(path: String) {
        self.path = path
    }

    /// The complete lines written since the last call (at most `maxBytes` read per call).
    public func readLines(maxBytes: Int = 64 * 1024 * 1024) -> [Substring] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        // A file that shrank was truncated or replaced: start again from its beginning.
        if size < offset { offset = 0 }
        guard size > offset else { return [] }
        try? handle.seek(toOffset: offset)
        let data = (try? handle.read(upToCount: min(Int(size - offset), maxBytes))) ?? Data()
        guard let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
        let complete = data[data.startIndex...lastNewline]
        offset += UInt64(complete.count)
        let text = String(decoding: complete, as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
    }

    /// When the file was last written, in Unix seconds.
    public var modificationTime: Double? {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970
    }
}
