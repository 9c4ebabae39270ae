import Foundation
import Glibc
import Testing

@testable import ProcessRuntime

/// `kill -9` of the operator must leave its children running, for the restarted operator to adopt. The "operator" is
/// this test binary run again with only `actAsOperator` selected: it spawns a child through `LocalProcessRuntime`,
/// hands the child's handle over in a file, and waits to be killed.
@Suite("A child outlives its operator", .serialized)
struct OperatorDeathTests {
    static let handoffVariable = "MESHCTL_PROCESSRUNTIME_HANDOFF"
    static var handoffPath: String? { ProcessInfo.processInfo.environment[handoffVariable] }

    /// Runs only inside the operator process the next test starts.
    @Test(.enabled(if: handoffPath != nil, "only as the operator of childSurvivesSIGKILLOfItsOperator"))
    func actAsOperator() async throws {
        let path = try #require(Self.handoffPath)
        let runtime = LocalProcessRuntime()
        let child = try await runtime.spawn(ProcessSpec(arguments: ["/bin/sleep", "30"], logPath: path + ".log"))
        try JSONEncoder().encode(child).write(to: URL(fileURLWithPath: path + ".tmp"))
        _ = rename(path + ".tmp", path)
        // Killed by the other test long before this ends; bounded in case it is not.
        try await Task.sleep(for: .seconds(20))
    }

    @Test(.enabled(if: handoffPath == nil))
    func childSurvivesSIGKILLOfItsOperator() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let handoff = dir.path + "/handoff.json"
        let runtime = LocalProcessRuntime()
        let testBinary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let operatorProcess = try await runtime.spawn(
            ProcessSpec(
                arguments: [testBinary, "--testing-library", "swift-testing", "--filter", "actAsOperator"],
                environment: [Self.handoffVariable: handoff],
                logPath: dir.path + "/operator.log"
            )
        )
        var child: ProcessHandle?
        do {
            let handedOver = await eventually(timeout: .seconds(30)) { FileManager.default.fileExists(atPath: handoff) }
            let operatorLog = await runtime.tail(logPath: dir.path + "/operator.log", lines: 20)
            try #require(handedOver, "the operator never handed over its child: \(operatorLog)")
            child = try JSONDecoder().decode(ProcessHandle.self, from: Data(contentsOf: URL(fileURLWithPath: handoff)))
            let spawned = try #require(child)
            #expect(ProcStat.read(pid: spawned.pid)?.parentPID == operatorProcess.pid)

            #expect(kill(operatorProcess.pid, SIGKILL) == 0)
            #expect(await eventually { await runtime.observe(operatorProcess) != .running })
            #expect(await runtime.observe(operatorProcess) == .exited(.signal(SIGKILL)))

            // The restarted operator: a fresh runtime with only the recorded handle.
            let restarted = LocalProcessRuntime()
            try await Task.sleep(for: .milliseconds(200))
            #expect(await restarted.observe(spawned) == .running)
            #expect(ProcStat.read(pid: spawned.pid)?.parentPID != operatorProcess.pid, "reparented, still running")
            #expect(await restarted.stop(spawned, grace: .seconds(2)) == .terminated)
        } catch {
            if let child { _ = await runtime.stop(child, grace: .milliseconds(100)) }
            _ = await runtime.stop(operatorProcess, grace: .milliseconds(100))
            throw error
        }
        _ = await runtime.stop(operatorProcess, grace: .milliseconds(100))
    }
}
