import Glibc

/// Reads the end of a log file without reading all of it: logs grow without bound, a tail needs a few lines.
enum LogTail {
    /// The last `lines` lines of the file at `path`; a final line without a newline counts. Reads backwards in
    /// blocks, at most `maxBytes`, so a log with no newlines at all cannot make this read the whole file.
    static func lastLines(ofFileAt path: String, count lines: Int, maxBytes: Int = 1 << 20) -> [String] {
        guard lines > 0 else { return [] }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        let size = Int(lseek(fd, 0, SEEK_END))
        guard size > 0 else { return [] }

        let blockSize = 8192
        var start = size
        var data: [UInt8] = []
        var newlines = 0
        // Need lines + 1 newlines (the one before the first wanted line), or the start of the file.
        while start > 0 && size - start < maxBytes && newlines <= lines {
            let length = min(blockSize, start)
            start -= length
            var block = [UInt8](repeating: 0, count: length)
            let read = block.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, off_t(start)) }
            guard read == length else { break }
            newlines += block.count(where: { $0 == UInt8(ascii: "\n") })
            data.insert(contentsOf: block, at: 0)
        }
        // Split bytes, not Characters: "\r\n" is one Character in Swift and would not split on "\n".
        if data.last == UInt8(ascii: "\n") { data.removeLast() }
        var all = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        // Without reaching the file's start, the first piece may be a partial line: drop it when there are enough
        // whole ones; keep it (cut at the front) when the byte limit stopped the read first.
        if start > 0 && all.count > lines { all.removeFirst() }
        return all.suffix(lines).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The last `lines` lines of a rotated log (`LogRotation`): a log truncated just now holds few or none, and the
    /// rest of what was last written is at the end of `path.1`.
    static func lastLines(ofRotatedLogAt path: String, count lines: Int) -> [String] {
        let live = lastLines(ofFileAt: path, count: lines)
        guard live.count < lines else { return live }
        return lastLines(ofFileAt: path + ".1", count: lines - live.count) + live
    }
}
