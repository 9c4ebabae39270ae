import Foundation

/// How rotated logs are named, for the readers: `name.log` is the live file, `name.log.1` the one before it, then
/// `.2` …. The operator rotates its children's output this way (ProcessRuntime's `LogRotation`), the proxies their
/// access logs (`AccessLogWriter`); docs/observability.md, "Bounded growth".
public enum RotatedLog {
    /// Every generation of the log at `path` that exists, oldest first and `path` itself last: the order in which
    /// its lines were written.
    public static func generations(of path: String, limit: Int = 100) -> [String] {
        var older: [String] = []
        for index in 1...max(limit, 1) {
            let candidate = "\(path).\(index)"
            guard FileManager.default.fileExists(atPath: candidate) else { break }
            older.append(candidate)
        }
        return older.reversed() + [path]
    }
}
