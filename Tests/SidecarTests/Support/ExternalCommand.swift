import Foundation

/// Runs a client nobody here wrote (curl, /usr/bin/python3 with h2 or grpcio) to its end and captures what it
/// prints (see `BackgroundProcess`); the wait is bounded and a child still running then is killed by its PID.
enum ExternalCommand {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct TimedOut: Error, CustomStringConvertible {
        var command: [String]
        var description: String { "timed out: \(command.joined(separator: " "))" }
    }

    static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(60)) throws -> Result {
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("ext-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: err) }
        let child = try BackgroundProcess(executable, arguments, errors: err)
        defer { child.stop() }
        let deadline = ContinuousClock.now + timeout
        while child.process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if child.process.isRunning { throw TimedOut(command: [executable] + arguments) }
        child.process.waitUntilExit()
        return Result(
            status: child.process.terminationStatus, stdout: child.text,
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// Runs a Python script with Debian's interpreter (the one with python3-h2 and python3-grpcio).
    static func python(_ script: String, _ arguments: [String], timeout: Duration = .seconds(60)) throws -> Result {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("script-\(UUID().uuidString).py")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try run("/usr/bin/python3", [file.path] + arguments, timeout: timeout)
    }
}
