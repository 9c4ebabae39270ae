import Glibc

/// The fields of /proc/PID/stat the runtime needs. See proc(5).
struct ProcStat: Sendable, Hashable {
    var pid: Int32
    /// R, S, D, Z (zombie), T, X (dead), ...
    var state: Character
    var parentPID: Int32
    var processGroup: Int32
    var session: Int32
    /// Field 22: clock ticks after boot.
    var startTime: UInt64

    /// A zombie or dead entry has ended; only its parent's wait is pending.
    var hasEnded: Bool { state == "Z" || state == "X" }

    /// Parses one stat line. The command name (field 2) is in parentheses and may itself contain spaces and
    /// parentheses, so the fields are counted from the last `)`.
    init?(parsing line: String) {
        guard let open = line.firstIndex(of: "("), let close = line.lastIndex(of: ")"),
            let pid = Int32(line[..<open].trimmingCharacters(in: " "))
        else { return nil }
        let rest = line[line.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // rest[0] is field 3 (state), so field n is rest[n - 3].
        guard rest.count >= 20, let state = rest[0].first, let parent = Int32(rest[1]), let group = Int32(rest[2]),
            let session = Int32(rest[3]), let start = UInt64(rest[19])
        else { return nil }
        self.pid = pid
        self.state = state
        self.parentPID = parent
        self.processGroup = group
        self.session = session
        self.startTime = start
    }

    /// Reads /proc/PID/stat; nil when there is no such process.
    static func read(pid: Int32) -> ProcStat? {
        guard pid > 0, let text = readSmallFile("/proc/\(pid)/stat") else { return nil }
        return ProcStat(parsing: text)
    }

    /// Time since a process started `ticks` clock ticks after boot (field 22), by /proc/uptime; nil if unreadable.
    static func runningTime(sinceStartTicks ticks: UInt64) -> Duration? {
        let hertz = sysconf(Int32(_SC_CLK_TCK))
        guard hertz > 0, let uptime = readSmallFile("/proc/uptime")?.split(separator: " ").first.flatMap({ Double($0) })
        else { return nil }
        let seconds = uptime - Double(ticks) / Double(hertz)
        return seconds > 0 ? .milliseconds(Int64(seconds * 1000)) : .zero
    }

    /// Every process whose process group is `group`.
    static func members(ofGroup group: Int32) -> [ProcStat] {
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var members: [ProcStat] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = Int32(name), let stat = read(pid: pid), stat.processGroup == group else { continue }
            members.append(stat)
        }
        return members
    }

    /// /proc files report size 0, so read until EOF rather than trusting `stat`.
    private static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        // Bounded: a stat line is well under 1 KiB; 64 reads is far beyond any real one.
        for _ in 0..<64 {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in character: Character) -> Substring {
        var result = self
        while result.first == character { result.removeFirst() }
        while result.last == character { result.removeLast() }
        return result
    }
}
