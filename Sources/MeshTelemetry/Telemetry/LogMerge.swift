/// One line of `meshctl logs`: where it came from, its text, and the time it is sorted by.
public struct LogLine: Sendable, Hashable {
    /// `web/workload/0`, `web/sidecar/0 access`.
    public var source: String
    public var text: String
    /// Unix seconds: the line's own timestamp, or the one it inherits (see `LogMerge.timed`); nil when neither.
    public var time: Double?

    public init(source: String, text: String, time: Double?) {
        self.source = source
        self.text = text
        self.time = time
    }

    /// `[source] text`, as `kubectl logs --prefix` prints.
    public var prefixed: String { "[\(source)] \(text)" }
}

/// Merges the lines of many files (replica output, access logs) into one stream in time order.
///
/// Access-log lines carry `ts`; a replica's output line counts as timed when it starts with an RFC 3339 timestamp.
/// The operator does not stamp replica output itself (it hands the log file to the process, so a workload keeps
/// logging while the operator restarts); an untimed line takes the time of the line before it in its file, so a
/// file's own order is never changed, and untimed lines before any timed one take `fallback` (the file's
/// modification time: they are at most that recent).
public enum LogMerge {
    /// The time a line states about itself: `{"ts":"…"` of an access-log line, or a leading RFC 3339 timestamp
    /// (also inside `[…]`).
    public static func statedTime<S: StringProtocol>(_ text: S) -> Double? {
        if text.hasPrefix("{\"ts\":\"") { return RFC3339.parse(text.dropFirst(7)) }
        if text.hasPrefix("[") { return RFC3339.parse(text.dropFirst()) }
        guard let first = text.utf8.first, first >= 0x30 && first <= 0x39 else { return nil }
        return RFC3339.parse(text)
    }

    /// One file's lines in file order, each with its own time or the one before it.
    public static func timed<S: StringProtocol>(source: String, lines: [S], fallback: Double?) -> [LogLine] {
        var previous = fallback
        return lines.map { text in
            let time = statedTime(text) ?? previous
            previous = time
            return LogLine(source: source, text: String(text), time: time)
        }
    }

    /// All lines by time; equal times keep the order of `sources`, then file order. Lines without a time first.
    public static func merge(_ sources: [[LogLine]]) -> [LogLine] {
        var keyed: [(time: Double, source: Int, index: Int, line: LogLine)] = []
        for (s, lines) in sources.enumerated() {
            for (i, line) in lines.enumerated() { keyed.append((line.time ?? -.infinity, s, i, line)) }
        }
        keyed.sort { ($0.time, $0.source, $0.index) < ($1.time, $1.source, $1.index) }
        return keyed.map(\.line)
    }

    /// Lines at or after `since` (lines without a time pass) whose text matches `grep` (when given).
    public static func filter(_ lines: [LogLine], since: Double?, grep: Regex<AnyRegexOutput>?) -> [LogLine] {
        lines.filter { line in
            if let since, let time = line.time, time < since { return false }
            if let grep, (try? grep.firstMatch(in: line.text)) == nil { return false }
            return true
        }
    }
}
