import Foundation

/// A process a test starts and stops itself, by its PID (a Python gRPC server, say): its output goes to a file, and
/// `start` waits (bounded) for the line that says it is ready.
final class BackgroundProcess: @unchecked Sendable {
    let process = Process()
    private let output: URL

    struct NotReady: Error, CustomStringConvertible {
        var output: String
        var description: String { "not ready: \(output)" }
    }

    /// Starts `executable`; its output (and errors, unless `errors` names another file) go to a file, so a chatty
    /// child never blocks on a pipe.
    init(_ executable: String, _ arguments: [String], errors: URL? = nil) throws {
        output = FileManager.default.temporaryDirectory.appendingPathComponent("bg-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        let errorHandle = try errors.map { try FileHandle(forWritingTo: $0) }
        defer { try? errorHandle?.close() }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = errorHandle ?? handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Starts `executable` and returns once a line of its output begins with `readyPrefix`; that line's last word
    /// is in `readyValue`.
    convenience init(_ executable: String, _ arguments: [String], readyPrefix: String, timeout: Duration = .seconds(20)) throws {
        try self.init(executable, arguments)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix(readyPrefix) }) {
                readyValue = String(line.split(separator: " ").last ?? "")
                return
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let seen = text
        stop()
        throw NotReady(output: seen)
    }

    private(set) var readyValue = ""

    var text: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    /// SIGTERM, then SIGKILL after a second; waits for the exit.
    func stop() {
        defer { try? FileManager.default.removeItem(at: output) }
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(1)
        while process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }
}
