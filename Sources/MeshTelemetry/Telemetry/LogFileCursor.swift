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
        let size = (try? handle.seekToEnd()) ?? 0
        // A file that shrank was truncated or replaced: start again from its beginning.
        if size < offset { offset = 0 }
        guard size > offset else { return nil }
        try? handle.seek(toOffset: offset)
        let data = (try? handle.read(upToCount: min(Int(size - offset), maxBytes))) ?? Data()
        guard let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")) else { return nil }
        let complete = data[data.startIndex...lastNewline]
        offset += UInt64(complete.count)
        return Data(complete)
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
