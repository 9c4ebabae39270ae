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
}
