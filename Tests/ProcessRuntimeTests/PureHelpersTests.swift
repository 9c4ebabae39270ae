import Foundation
import Testing

@testable import ProcessRuntime

@Suite("Log tail, /proc/PID/stat parsing, command hash")
struct PureHelpersTests {
    @Test func tailReturnsTheLastLines() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/log"
        try "one\ntwo\nthree\nfour\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(LogTail.lastLines(ofFileAt: path, count: 2) == ["three", "four"])
        #expect(LogTail.lastLines(ofFileAt: path, count: 10) == ["one", "two", "three", "four"])
        #expect(LogTail.lastLines(ofFileAt: path, count: 0) == [])

        try "a\r\nb\r\nno newline at end".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(LogTail.lastLines(ofFileAt: path, count: 2) == ["b\r", "no newline at end"])
        #expect(LogTail.lastLines(ofFileAt: dir.path + "/missing", count: 3) == [])
    }

    @Test func tailOfALargeLogReadsAcrossBlocks() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/big"
        let text =
            (1...50_000).map { "line \($0) " + String(repeating: "x", count: $0 % 97) }.joined(separator: "\n") + "\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let expected = (49_996...50_000).map { "line \($0) " + String(repeating: "x", count: $0 % 97) }
        #expect(LogTail.lastLines(ofFileAt: path, count: 5) == expected)
        // A line longer than the read limit comes back cut, not as the whole file.
        try String(repeating: "y", count: 3_000_000).write(toFile: path, atomically: true, encoding: .utf8)
        let cut = LogTail.lastLines(ofFileAt: path, count: 1)
        #expect(cut.count == 1)
        #expect((cut.first?.count ?? 0) <= 1 << 20)
    }

    @Test func statParsingCopesWithOddCommandNames() throws {
        let fields = (4...52).map(String.init).joined(separator: " ")
        // Field 22 (start time) is the 19th number after the state in this synthetic line: 4...52 puts 22 there.
        let stat = try #require(ProcStat(parsing: "4242 (my (odd) name) S \(fields)"))
        #expect(stat.pid == 4242)
        #expect(stat.state == "S")
        #expect(stat.parentPID == 4)
        #expect(stat.processGroup == 5)
        #expect(stat.session == 6)
        #expect(stat.startTime == 22)
        #expect(ProcStat(parsing: "garbage") == nil)
        #expect(ProcStat(parsing: "12 (x) Z 1 2") == nil)

        let me = try #require(ProcStat.read(pid: getpid()))
        #expect(me.pid == getpid())
        #expect(me.startTime > 0)
    }

    @Test func commandHashIsStableAndSensitive() {
        let base = ProcessSpec(arguments: ["srv", "--port", "1"], environment: ["A": "1", "B": "2"], logPath: "/x")
        var reordered = ProcessSpec(
            arguments: ["srv", "--port", "1"],
            environment: ["B": "2", "A": "1"],
            logPath: "/y"
        )
        #expect(base.commandHash == reordered.commandHash, "env order and log path do not matter")
        #expect(base.commandHash.count == 16)
        reordered.arguments = ["srv", "--port", "2"]
        #expect(base.commandHash != reordered.commandHash)
        let joined = ProcessSpec(arguments: ["ab"], logPath: "/x")
        let split = ProcessSpec(arguments: ["a", "b"], logPath: "/x")
        #expect(joined.commandHash != split.commandHash)
        var moved = base
        moved.workingDirectory = "/srv"
        #expect(base.commandHash != moved.commandHash)
    }
}
