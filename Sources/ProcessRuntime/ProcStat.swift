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
        self.init(parsing: Array(line.utf8))
    }

    /// The same on the bytes as read: a full pass reads one stat file per recorded process (400 at 100 services),
    /// and parsing them as Strings (substrings, splits) cost more CPU than the reads.
    init?(parsing bytes: [UInt8]) {
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")), let close = bytes.lastIndex(of: UInt8(ascii: ")")),
              open < close, let pid = Self.number(bytes[..<open]).map(Int32.init(truncatingIfNeeded:))
        else { return nil }
        // Fields after the name, space-separated: rest[0] is field 3 (state), so field n is rest[n - 3]. Only the
        // first 20 are needed.
        var fields: [ArraySlice<UInt8>] = []
        fields.reserveCapacity(20)
        var index = close + 1
        while index < bytes.endIndex && fields.count < 20 {
            while index < bytes.endIndex && (bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\n")) {
                index += 1
            }
            let start = index
            while index < bytes.endIndex && bytes[index] != UInt8(ascii: " ") && bytes[index] != UInt8(ascii: "\n") {
                index += 1
            }
            if start < index { fields.append(bytes[start..<index]) }
        }
        guard fields.count >= 20, let state = fields[0].first, let parent = Self.number(fields[1]),
              let group = Self.number(fields[2]), let session = Self.number(fields[3]), let start = Self.number(fields[19]), start >= 0
        else { return nil }
        self.pid = pid
        self.state = Character(UnicodeScalar(state))
        self.parentPID = Int32(truncatingIfNeeded: parent)
        self.processGroup = Int32(truncatingIfNeeded: group)
        self.session = Int32(truncatingIfNeeded: session)
        self.startTime = UInt64(start)
    }

    /// A decimal number (spaces around it allowed, a leading minus too); nil for anything else or an empty field.
    private static func number(_ bytes: ArraySlice<UInt8>) -> Int64? {
        var digits = bytes.drop { $0 == UInt8(ascii: " ") }
        while digits.last == UInt8(ascii: " ") { digits = digits.dropLast() }
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return negative ? -value : value
    }

    /// Reads /proc/PID/stat; nil when there is no such process.
    static func read(pid: Int32) -> ProcStat? {
        guard pid > 0, let bytes = readSmallFile("/proc/\(pid)/stat") else { return nil }
        return ProcStat(parsing: bytes)
    }

    /// Time since a process started `ticks` clock ticks after boot (field 22), by /proc/uptime; nil if unreadable.
    static func runningTime(sinceStartTicks ticks: UInt64) -> Duration? {
        let hertz = sysconf(Int32(_SC_CLK_TCK))
        guard hertz > 0, let bytes = readSmallFile("/proc/uptime"),
              let uptime = Double(String(decoding: bytes.prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self))
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

    /// A stat line is well under 1 KiB; 64 reads of 1 KiB is far beyond any real one.
    private static func readSmallFile(_ path: String) -> [UInt8]? {
        guard let bytes = ProcFile.read(path, chunk: 1024, maxBytes: 64 * 1024), !bytes.isEmpty else { return nil }
        return bytes
    }
}
