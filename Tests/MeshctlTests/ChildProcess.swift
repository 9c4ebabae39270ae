import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A long-running program a test starts (a `mesh-proxy`, a Python server), its output in a file, stopped by its PID.
final class ChildProcess {
    let process: Process
    private let outputURL: URL

    var pid: Int32 { process.processIdentifier }

    init(_ executable: String, _ arguments: [String]) throws {
        outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outputURL)
        defer { try? out.close() }
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var output: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }

    /// The first output line starting with `prefix`, waited for up to `timeout`.
    func line(startingWith prefix: String, timeout: Duration = .seconds(15)) throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = output.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) { return String(line) }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw Missing(prefix: prefix, output: output)
    }

    /// The port of the first output line `PREFIX … HOST:PORT` (or `PREFIX PORT`).
    func port(after prefix: String) throws -> Int {
        let line = try line(startingWith: prefix)
        guard let last = line.split(separator: " ").last, let port = Int(last.split(separator: ":").last ?? "") else {
            throw Missing(prefix: prefix, output: line)
        }
        return port
    }

    /// Waits for the program to exit on its own (bounded); nil when it is still running at `timeout`.
    func exitStatus(within timeout: Duration = .seconds(30)) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`; waits for it.
    func stop(grace: Duration = .seconds(5)) {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: outputURL)
    }

    struct Missing: Error, CustomStringConvertible {
        var prefix: String
        var output: String
        var description: String { "no line starting with \"\(prefix)\" in:\n\(output)" }
    }

    /// `mesh-proxy`, next to `meshctl` in the build directory.
    static let meshProxy: String =
        ((MeshctlRunner.executable as NSString).deletingLastPathComponent as NSString).appendingPathComponent("mesh-proxy")

    /// Debian's Python, which has python3-websockets (the `python3` on PATH may not).
    static let python = "/usr/bin/python3"

    /// Writes `text` to a new temporary file and returns its path.
    static func scratchFile(_ text: String, suffix: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString)\(suffix)").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}
