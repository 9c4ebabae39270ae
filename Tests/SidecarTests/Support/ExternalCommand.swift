import Foundation

/// Runs a client nobody here wrote (curl, /usr/bin/python3 with h2 or grpcio) and captures what it prints. Output
/// goes to files, so a chatty child never blocks on a pipe; the wait is bounded and a child still running then is
/// killed by its PID.
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
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ext-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TimedOut(command: [executable] + arguments)
        }
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// Runs a Python script with Debian's interpreter (the one with python3-h2 and python3-grpcio).
    static func python(_ script: String, _ arguments: [String], timeout: Duration = .seconds(60)) throws -> Result {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("script-\(UUID().uuidString).py")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try run("/usr/bin/python3", [file.path] + arguments, timeout: timeout)
    }
}
