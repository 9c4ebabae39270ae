import Glibc

/// Reads a /proc file whole. /proc files report size 0 and Foundation's readers stop after the first page, so this
/// reads until EOF, in `chunk`-byte reads, and stops at `maxBytes` so a huge or endless file cannot hold the caller.
public enum ProcFile {
    /// The file's bytes (empty for an empty file); nil when it cannot be opened (no such process, no such file).
    public static func read(_ path: String, chunk: Int, maxBytes: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: chunk)
        // Bounded in reads too: an EINTR retries, so the bound counts every attempt.
        for _ in 0..<(maxBytes + chunk - 1) / chunk {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return bytes
    }

    /// Calls `body` with each line of the file (without its newline), read in `chunk`-byte reads into one buffer that
    /// is reused: memory stays at `chunk` whatever the file's size. For files that can be large, such as
    /// /proc/net/tcp (150 bytes per TCP socket of the machine: megabytes under load). A line that does not fit in
    /// `chunk` bytes with its newline is skipped, and so is a last line without a newline (/proc files end with one).
    /// Stops after `maxBytes` or when `body` returns false; false when the file cannot be opened.
    @discardableResult
    public static func forEachLine(_ path: String, chunk: Int, maxBytes: Int,
                                   _ body: (ArraySlice<UInt8>) -> Bool) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: chunk)
        var filled = 0      // bytes in `buffer` not yet handed out as lines
        var skipping = false  // inside a line longer than the buffer: dropped up to its newline
        var total = 0
        for _ in 0..<(maxBytes + chunk - 1) / chunk + 1 {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, chunk - filled) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            let end = filled + count
            var start = 0
            while let newline = buffer[start..<end].firstIndex(of: 0x0A) {
                if !skipping, !body(buffer[start..<newline]) { return true }
                skipping = false
                start = newline + 1
            }
            if start == 0 && end == chunk { skipping = true; filled = 0 } else {
                buffer.withUnsafeMutableBytes { raw in
                    _ = memmove(raw.baseAddress!, raw.baseAddress! + start, end - start)
                }
                filled = end - start
            }
            total += count
            guard total < maxBytes else { break }
        }
        return true
    }
}
