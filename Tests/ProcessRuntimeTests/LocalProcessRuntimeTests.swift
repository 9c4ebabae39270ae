import Foundation
import Glibc
import Testing

@testable import ProcessRuntime

/// Real processes; every test stops what it starts (`withSpawned`), by pid.
@Suite("LocalProcessRuntime with real processes", .serialized)
struct LocalProcessRuntimeTests {
    let runtime = LocalProcessRuntime()

    @Test func outputGoesToTheLogAndStopTerminates() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = dir.path + "/logs/web-0.log"
        let spec = ProcessSpec(arguments: ["/bin/sh", "-c", "echo hi; echo oops >&2; sleep 30"], logPath: log)
        try await withSpawned(spec, on: runtime) { handle in
            #expect(handle.startTime > 0)
            #expect(handle.commandHash == spec.commandHash)
            #expect(await runtime.observe(handle) == .running)
            #expect(descriptorsOpen(on: log) == 0, "only the child holds its log open")
            let logged = await eventually { await runtime.tail(logPath: log, lines: 10) == ["hi", "oops"] }
            let lines = await runtime.tail(logPath: log, lines: 10)
            #expect(logged, "log holds: \(lines)")

            #expect(await runtime.stop(handle, grace: .seconds(5)) == .terminated)
            #expect(await runtime.observe(handle) == .exited(.signal(SIGTERM)))
        }
    }

    @Test func observeSeesTheExitCode() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let spec = ProcessSpec(arguments: ["/bin/sh", "-c", "sleep 1; exit 3"], logPath: dir.path + "/a.log")
        try await withSpawned(spec, on: runtime) { handle in
            #expect(await runtime.observe(handle) == .running)
            let ended = await eventually { await runtime.observe(handle) != .running }
            #expect(ended)
            #expect(await runtime.observe(handle) == .exited(.code(3)))
            #expect(ProcStat.read(pid: handle.pid) == nil, "the child was reaped, not left a zombie")
        }
    }

    @Test func terminationsAreReportedAsTheyHappen() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let terminations = runtime.terminations()
        let spec = ProcessSpec(arguments: ["/bin/sh", "-c", "exit 7"], logPath: dir.path + "/t.log")
        try await withSpawned(spec, on: runtime) { handle in
            let termination = await firstElement(of: terminations)
            #expect(termination == ProcessTermination(handle: handle, status: .code(7)))
        }
    }

    @Test func environmentAndWorkingDirectoryAreApplied() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = dir.path + "/env.log"
        let spec = ProcessSpec(
            arguments: ["sh", "-c", "echo \"$PORT $(pwd)\""],
            environment: ["PORT": "20001"],
            workingDirectory: dir.path,
            logPath: log
        )
        try await withSpawned(spec, on: runtime) { handle in
            #expect(await eventually { await runtime.observe(handle) != .running })
            #expect(await runtime.observe(handle) == .exited(.code(0)))
            let realDir = URL(fileURLWithPath: dir.path).resolvingSymlinksInPath().path
            let line = await runtime.tail(logPath: log, lines: 1).first ?? ""
            #expect(line == "20001 \(dir.path)" || line == "20001 \(realDir)")
        }
    }

    @Test func stopEscalatesToSIGKILLForAProcessIgnoringTERM() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = dir.path + "/trap.log"
        let spec = ProcessSpec(arguments: ["/bin/sh", "-c", "trap '' TERM; echo ready; sleep 30"], logPath: log)
        try await withSpawned(spec, on: runtime) { handle in
            // Wait until the trap is installed, or the TERM would arrive first and kill the shell.
            #expect(await eventually { await runtime.tail(logPath: log, lines: 1) == ["ready"] })
            let group = ProcStat.members(ofGroup: handle.pid).map { $0.pid }
            #expect(group.count == 2, "the shell and its sleep share the process group")

            let started = ContinuousClock.now
            #expect(await runtime.stop(handle, grace: .milliseconds(300)) == .killed)
            #expect(ContinuousClock.now - started >= .milliseconds(300), "the grace period was given")
            #expect(await runtime.observe(handle) == .exited(.signal(SIGKILL)))
            let leftovers = await eventually { ProcStat.members(ofGroup: handle.pid).allSatisfy { $0.hasEnded } }
            #expect(leftovers, "the group's sleep is gone too")
            #expect(await runtime.stop(handle, grace: .seconds(1)) == .notRunning, "stop is idempotent")
        }
    }

    @Test func aDifferentStartTimeIsAnotherProcess() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let spec = ProcessSpec(arguments: ["/bin/sleep", "30"], logPath: dir.path + "/s.log")
        try await withSpawned(spec, on: runtime) { handle in
            var impostor = handle
            impostor.startTime += 1
            #expect(await runtime.observe(impostor) == .gone)
            #expect(await runtime.stop(impostor, grace: .seconds(1)) == .notRunning)
            #expect(await runtime.observe(handle) == .running, "the real process was not signalled")

            let nobody = ProcessHandle(pid: 0x3fff_fff0, startTime: 1, commandHash: "", logPath: "")
            #expect(await runtime.observe(nobody) == .gone)
            #expect(await runtime.stop(nobody, grace: .milliseconds(10)) == .notRunning)
        }
    }

    @Test func runningTimeIsTheSystemsAgeOfTheProcess() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let spec = ProcessSpec(arguments: ["/bin/sleep", "30"], logPath: dir.path + "/s.log")
        try await withSpawned(spec, on: runtime) { handle in
            try await Task.sleep(for: .milliseconds(1200))
            let ran = try #require(await runtime.runningTime(of: handle))
            // Clock ticks are 10 ms; the upper bound only guards against a wrong unit (ticks taken as seconds).
            #expect(ran >= .milliseconds(1100) && ran < .seconds(20), "ran \(ran)")
            var impostor = handle
            impostor.startTime += 1
            #expect(await runtime.runningTime(of: impostor) == nil)
            _ = await runtime.stop(handle, grace: .seconds(1))
            #expect(await runtime.runningTime(of: handle) == nil, "a stopped process has no running time")
        }
    }

    @Test func childSurvivesCancellationOfTheSpawningTask() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let spec = ProcessSpec(arguments: ["/bin/sleep", "30"], logPath: dir.path + "/c.log")
        let runtime = self.runtime
        let spawning = Task { try await runtime.spawn(spec) }
        spawning.cancel()
        let handle = try await spawning.value
        do {
            try await Task.sleep(for: .milliseconds(300))
            #expect(await runtime.observe(handle) == .running)
            let stat = try #require(ProcStat.read(pid: handle.pid))
            #expect(stat.session == handle.pid, "own session: the operator's terminal and death do not reach it")
            #expect(stat.processGroup == handle.pid)
            #expect(stat.session != getsid(0))
        }
        #expect(await runtime.stop(handle, grace: .seconds(2)) == .terminated)
    }

    @Test func anotherRuntimeInstanceAdoptsAndStops() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let spec = ProcessSpec(arguments: ["/bin/sleep", "30"], logPath: dir.path + "/adopt.log")
        try await withSpawned(spec, on: runtime) { handle in
            // As an operator restarted from its recorded handles would.
            let restarted = LocalProcessRuntime()
            #expect(await restarted.observe(handle) == .running)
            #expect(await restarted.stop(handle, grace: .seconds(2)) == .terminated)
            #expect(await eventually { await restarted.observe(handle) == .gone })
            #expect(await runtime.observe(handle) == .exited(.signal(SIGTERM)), "the parent still learns the status")
        }
    }

    @Test func anAdoptedProcesssExitIsReportedAtOnce() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let spec = ProcessSpec(arguments: ["/bin/sleep", "30"], logPath: dir.path + "/adopted.log")
        try await withSpawned(spec, on: runtime) { handle in
            let restarted = LocalProcessRuntime()  // not its parent, as an operator started again
            let terminations = restarted.terminations()
            #expect(await restarted.observe(handle) == .running)
            let killedAt = ContinuousClock.now
            kill(handle.pid, SIGKILL)
            let termination = await firstElement(of: terminations, within: .seconds(3))
            #expect(termination == ProcessTermination(handle: handle, status: nil), "no report without a pass")
            #expect(killedAt.duration(to: .now) < .seconds(1))
        }
    }

    @Test func failedSpawnsLeakNoFileDescriptors() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        for _ in 0..<20 {
            _ = try? await runtime.spawn(
                ProcessSpec(arguments: ["no-such-command-meshctl"], logPath: dir.path + "/x.log")
            )
            _ = try? await runtime.spawn(
                ProcessSpec(
                    arguments: ["/bin/true"],
                    workingDirectory: dir.path + "/missing",
                    logPath: dir.path + "/x.log"
                )
            )
        }
        #expect(descriptorsOpen(on: dir.path + "/x.log") == 0)
        await #expect(
            throws: ProcessRuntimeError.spawnFailed(
                program: "/bin/true",
                reason: "cannot change to the working directory: No such file or directory"
            )
        ) {
            _ = try await runtime.spawn(
                ProcessSpec(
                    arguments: ["/bin/true"],
                    workingDirectory: dir.path + "/missing",
                    logPath: dir.path + "/x.log"
                )
            )
        }
    }

    @Test func spawnFailuresSayWhy() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        await #expect(
            throws: ProcessRuntimeError.spawnFailed(program: "no-such-command-meshctl", reason: "command not found")
        ) {
            _ = try await runtime.spawn(
                ProcessSpec(arguments: ["no-such-command-meshctl"], logPath: dir.path + "/x.log")
            )
        }
        _ = FileManager.default.createFile(atPath: dir.path + "/script", contents: Data("echo\n".utf8))
        await #expect(
            throws: ProcessRuntimeError.spawnFailed(
                program: dir.path + "/script",
                reason: "permission denied (not executable)"
            )
        ) {
            _ = try await runtime.spawn(ProcessSpec(arguments: [dir.path + "/script"], logPath: dir.path + "/x.log"))
        }
        await #expect(throws: ProcessRuntimeError.spawnFailed(program: dir.path, reason: "is a directory")) {
            _ = try await runtime.spawn(ProcessSpec(arguments: [dir.path], logPath: dir.path + "/x.log"))
        }
        await #expect(throws: ProcessRuntimeError.emptyCommand) {
            _ = try await runtime.spawn(ProcessSpec(arguments: [], logPath: dir.path + "/x.log"))
        }
        // The log's directory is a file: the log cannot be opened, and nothing starts.
        _ = FileManager.default.createFile(atPath: dir.path + "/file", contents: nil)
        await #expect(throws: ProcessRuntimeError.cannotOpenLog(path: dir.path + "/file/x.log", errno: ENOTDIR)) {
            _ = try await runtime.spawn(ProcessSpec(arguments: ["/bin/true"], logPath: dir.path + "/file/x.log"))
        }
    }
}
