import Foundation

/// Runs the built `meshctl` binary as a user would and captures what it prints. Output goes to files, not pipes, so a
/// chatty child can never block on a full pipe; the wait is bounded and a child still running is killed.
struct MeshctlRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// `meshctl` sits next to the test bundle in the build directory.
    static let executable: String = {
        let me =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return ((me as NSString).deletingLastPathComponent as NSString).appendingPathComponent("meshctl")
    }()

    static func run(_ arguments: [String], in directory: String? = nil, timeout: Duration = .seconds(60)) throws
        -> Result
    {
        try runProgram(executable, arguments, in: directory, timeout: timeout)
    }

    /// Any program (curl, dig) with the same bounded wait and captured output.
    static func runProgram(_ program: String, _ arguments: [String], in directory: String? = nil,
                           timeout: Duration = .seconds(60)) throws -> Result
    {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("meshctl-run-\(UUID().uuidString)")
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
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw TimedOut(arguments: arguments)
        }
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        )
    }

    struct TimedOut: Error {
        var arguments: [String]
    }

    /// The repository root, where `examples/` lives.
    static let repositoryRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()
}
