import Foundation
import Manifests
import OperatorAPI

/// Runs one readiness probe of a replica; nil when it passed, else why it failed (`GET /ready: 503`).
protocol ReadinessChecking: Sendable {
    func check(_ action: Service.ReadinessProbe.Action, port: Int, environment: [String: String],
               workingDirectory: String?, timeout: Duration) async -> String?
}

/// The real probes: an HTTP GET over the operator's kept workload connections, or a program run to its exit.
struct ReadinessCheck: ReadinessChecking {
    let prober: Prober

    func check(_ action: Service.ReadinessProbe.Action, port: Int, environment: [String: String],
               workingDirectory: String?, timeout: Duration) async -> String? {
        switch action {
        case .httpGet(let path, let fixedPort):
            let target = fixedPort ?? port
            guard let response = try? await prober.workloads.send(port: target, "GET", path, timeout: timeout) else {
                return "GET \(path) on port \(target): no answer"
            }
            // Kubernetes: any status from 200 to 399 passes.
            return (200..<400).contains(response.status) ? nil : "GET \(path): \(response.status)"
        case .exec(let argv):
            return await Self.run(argv, environment: environment, workingDirectory: workingDirectory, timeout: timeout)
        }
    }

    /// Runs `argv` (no shell; a bare program name is looked up in the replica's `PATH`) and waits at most `timeout`,
    /// killing it past that.
    static func run(_ argv: [String], environment: [String: String], workingDirectory: String?,
                    timeout: Duration) async -> String? {
        guard let program = argv.first else { return "exec: no command" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program.contains("/") ? program
            : locate(program, path: environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin") ?? program)
        process.arguments = Array(argv.dropFirst())
        process.environment = environment
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let ended = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { ended.continuation.yield($0.terminationStatus); ended.continuation.finish() }
        do { try process.run() } catch { return "exec \(program): \(error)" }
        let status = await withTaskGroup(of: Int32?.self) { group in
            group.addTask { for await status in ended.stream { return status }; return nil }
            group.addTask { try? await Task.sleep(for: timeout); return nil }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let status else {
            process.terminate()
            kill(process.processIdentifier, SIGKILL)
            return "exec \(program): timed out after \(timeout)"
        }
        return status == 0 ? nil : "exec \(program): exit status \(status)"
    }

    private static func locate(_ program: String, path: String) -> String? {
        path.split(separator: ":").map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
