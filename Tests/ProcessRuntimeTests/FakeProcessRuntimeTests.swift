import ProcessRuntime
import Testing

@Suite("FakeProcessRuntime behaves like a runtime")
struct FakeProcessRuntimeTests {
    @Test func lifecycle() async throws {
        let fake = FakeProcessRuntime()
        let terminations = fake.terminations()
        await fake.setBehaviour(.fail(reason: "command not found"), for: "missing")
        await fake.setBehaviour(.exitAtOnce(.code(1)), for: "crash")
        await fake.setBehaviour(.ignoreTerminate, for: "stubborn")

        let web = try await fake.spawn(ProcessSpec(arguments: ["web"], logPath: "/l/web"))
        #expect(await fake.observe(web) == .running)
        await #expect(throws: ProcessRuntimeError.spawnFailed(program: "missing", reason: "command not found")) {
            _ = try await fake.spawn(ProcessSpec(arguments: ["missing"], logPath: "/l/m"))
        }
        let crash = try await fake.spawn(ProcessSpec(arguments: ["crash"], logPath: "/l/c"))
        #expect(await fake.observe(crash) == .exited(.code(1)))
        let stubborn = try await fake.spawn(ProcessSpec(arguments: ["stubborn"], logPath: "/l/s"))
        #expect(await fake.stop(stubborn, grace: .seconds(1)) == .killed)
        #expect(await fake.observe(stubborn) == .exited(.signal(9)))

        let newcomer = await fake.reusePID(of: web)
        #expect(newcomer.pid == web.pid)
        #expect(await fake.observe(web) == .gone)
        #expect(await fake.stop(web, grace: .seconds(1)) == .notRunning)
        #expect(await fake.runningHandles == [newcomer])

        await fake.appendLog(["a", "b", "c"], to: "/l/c")
        #expect(await fake.tail(logPath: "/l/c", lines: 2) == ["b", "c"])
        #expect(await firstElement(of: terminations) == ProcessTermination(handle: crash, status: .code(1)))
        #expect(await fake.spawnRequests.map(\.arguments) == [["web"], ["missing"], ["crash"], ["stubborn"]])
    }
}
