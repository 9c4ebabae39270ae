import Foundation
import MeshTelemetry
import Testing

/// Readers of rotated logs: `meshctl logs` prints the generations oldest first, and `-f` (LogFileCursor) misses no
/// line across a rotation, whether the file was renamed (access logs) or copied and truncated (process output).
@Suite("reading rotated logs")
struct RotatedLogReadingTests {
    private func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rotated-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path + "/logs", withIntermediateDirectories: true)
        return path
    }

    private func append(_ lines: [String], to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(lines.map { $0 + "\n" }.joined().utf8))
        try handle.close()
    }

    @Test func meshctlLogsPrintsTheGenerationsOldestFirst() throws {
        let state = try scratch()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let log = state + "/logs/web_workload_0.log"
        try append(["oldest a", "oldest b"], to: log + ".2")
        try append(["older c"], to: log + ".1")
        try append(["live d", "live e"], to: log)
        let result = try MeshctlRunner.run(["logs", "web", "--no-access", "--state-dir", state])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines == ["oldest a", "oldest b", "older c", "live d", "live e"].map { "[web/workload/0] \($0)" },
                "\(lines)")
    }

    @Test func followingMissesNothingAcrossARename() throws {
        let state = try scratch()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let log = state + "/logs/a.access.log"
        try append(["1", "2"], to: log)
        let cursor = LogFileCursor(path: log)
        #expect(cursor.readLines() == ["1", "2"])
        try append(["3"], to: log)  // written, not yet read, when the writer rotates
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        try append(["4"], to: log)
        var seen: [Substring] = []
        for _ in 0..<3 { seen += cursor.readLines() }
        #expect(seen == ["3", "4"])
    }

    @Test func followingMissesNothingAcrossACopyAndTruncate() throws {
        let state = try scratch()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let log = state + "/logs/web_workload_0.log"
        try append(["1", "2"], to: log)
        let cursor = LogFileCursor(path: log)
        #expect(cursor.readLines() == ["1", "2"])
        try append(["3", "4"], to: log)
        try FileManager.default.copyItem(atPath: log, toPath: log + ".1")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.truncate(atOffset: 0)
        try handle.close()
        try append(["5"], to: log)
        var seen: [Substring] = []
        for _ in 0..<3 { seen += cursor.readLines() }
        #expect(seen == ["3", "4", "5"])
    }
}

/// `meshctl logs web | head -2`: the reader goes away early, and meshctl ends quietly instead of crashing.
@Suite("output into a closed pipe")
struct ClosedPipeTests {
    @Test func meshctlEndsQuietlyWhenItsReaderCloses() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: state) }
        try FileManager.default.createDirectory(atPath: state + "/logs", withIntermediateDirectories: true)
        let lines = (0..<200_000).map { "line \($0)" }.joined(separator: "\n") + "\n"
        try lines.write(toFile: state + "/logs/web_workload_0.log", atomically: true, encoding: .utf8)
        let process = Process()
        // SIGPIPE ignored, as it is once meshctl's network client has run (`rollout status` crashed so): a write to
        // the closed pipe then fails with EPIPE instead of ending the process.
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "trap '' PIPE; exec \"$0\" logs web --no-access --state-dir \"$1\"",
                             MeshctlRunner.executable, state]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        _ = output.fileHandleForReading.readData(ofLength: 64)
        try output.fileHandleForReading.close()  // as `head` does once it has its lines
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGPIPE,
                "\(process.terminationReason) \(process.terminationStatus)")
        #expect(!stderr.contains("Fatal error") && !stderr.contains("Crash"), "\(stderr.prefix(500))")
    }
}
