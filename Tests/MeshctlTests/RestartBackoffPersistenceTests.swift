import Foundation
import Logging
import MeshStore
import OperatorAPI
import ProcessRuntime
import Reconciler
import Testing

@testable import OperatorCore

/// A crash-looping replica's backoff is kept with its process record in SQLite: an operator started after the
/// crash (a new loop over a reopened store) still holds the slot back, and the next crash continues the series.
@Suite("restart backoff across operator restarts")
struct RestartBackoffPersistenceTests {
    let slot = SlotID(service: "web", role: .workload, replica: 0)

    private func loop(_ store: SQLiteStore, _ runtime: FakeProcessRuntime, _ directory: StateDirectory) -> ReconcileLoop {
        ReconcileLoop(store: store, runtime: runtime, directory: directory, meshctlPath: "/bin/false",
                      gatewayPort: 0, logger: Logger(label: "test"))
    }

    private func temporaryStateDirectory() throws -> StateDirectory {
        let directory = StateDirectory(
            FileManager.default.temporaryDirectory.appendingPathComponent("backoff-\(UUID().uuidString)").path)
        try directory.create()
        return directory
    }

    /// A running replica of `web` as an earlier operator left it, after `failures` crashes in a row.
    private func adoptedReplica(failures: Int, _ runtime: FakeProcessRuntime, _ store: SQLiteStore,
                                _ directory: StateDirectory) async throws -> ProcessHandle {
        let handle = try await runtime.spawn(ProcessSpec(arguments: ["web"], logPath: directory.logPath(for: "web")))
        try await store.saveProcess(StoredProcess(
            id: "workload/web/0@rev#\(handle.pid)", role: .workload, service: "web", replica: 0, pid: handle.pid,
            startTime: handle.startTime, commandHash: handle.commandHash, logPath: handle.logPath, state: "running",
            revision: "rev", restarts: failures, consecutiveFailures: failures))
        return handle
    }

    @Test func aRestartedOperatorKeepsTheSlotInBackoffAndTheSeriesGoesOn() async throws {
        let directory = try temporaryStateDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory.root) }

        // Operator 1 adopts a replica an earlier operator restarted four times in a row; it crashes again.
        let runtime = FakeProcessRuntime()
        let first = try SQLiteStore(stateDirectory: directory.root)
        let handle = try await adoptedReplica(failures: 4, runtime, first, directory)
        await runtime.exit(handle, status: .code(1))
        let operator1 = loop(first, runtime, directory)
        _ = await operator1.observe(try await first.processes(), snapshot: try await MeshSnapshot.load(from: first))
        let saved = try #require(try await first.process(id: "workload/web/0@rev#\(handle.pid)"))
        #expect(saved.state == "exited")
        #expect(saved.restarts == 5 && saved.consecutiveFailures == 5)
        let wait = try #require(saved.restartNotBefore).timeIntervalSinceNow
        #expect(wait > 7 && wait <= 8, "the fifth failure in a row waits 8 s, not 1 s: \(wait)")
        try first.close()

        // Operator 2: a fresh loop over the reopened database, with no memory of its own.
        let second = try SQLiteStore(stateDirectory: directory.root)
        defer { try? second.close() }
        let operator2 = loop(second, FakeProcessRuntime(), directory)
        let instances = await operator2.observe(try await second.processes(),
                                                snapshot: try await MeshSnapshot.load(from: second))
        let observed = try #require(instances.first?.observed)
        let now = await operator2.now
        let until = try #require(observed.restartNotBefore, "the deadline was forgotten")
        #expect(until - now > 6 && until - now <= 8)
        let desired = DesiredProcess(slot: slot, argv: ["web"], revision: "rev")
        let actions = Planner.plan(desired: [desired], observed: [observed], now: now)
        guard case .requeue(let requeued, let after, .crashLoopBackOff)? = actions.first else {
            Issue.record("expected the slot to wait out its backoff, got \(actions)")
            return
        }
        #expect(requeued == slot && after > 6)
        #expect(await operator2.backoffs[slot]?.restarts == 5, "RESTARTS in status goes on from 5")
    }

    /// An adopted process that the system says has run for `ran`, after a series of `failures` crashes, exits
    /// under a freshly started operator: the saved record after that exit.
    private func exitUnderANewOperator(ran: Duration, failures: Int) async throws -> StoredProcess {
        let directory = try temporaryStateDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory.root) }
        let runtime = FakeProcessRuntime()
        let store = try SQLiteStore(stateDirectory: directory.root)
        defer { try? store.close() }
        let handle = try await adoptedReplica(failures: failures, runtime, store, directory)
        await runtime.setRunningTime(ran, of: handle)
        let restarted = loop(store, runtime, directory)
        _ = await restarted.observe(try await store.processes(), snapshot: try await MeshSnapshot.load(from: store))
        await runtime.exit(handle, status: .signal(9))
        _ = await restarted.observe(try await store.processes(), snapshot: try await MeshSnapshot.load(from: store))
        return try #require(try await store.process(id: "workload/web/0@rev#\(handle.pid)"))
    }

    @Test func aLongRunThatBeganBeforeTheOperatorRestartEndsTheSeries() async throws {
        // Killed a moment after the operator restarted, but it had run for ten minutes: a healthy run, so it
        // restarts at once, not after the 8 s of a fifth failure in a row.
        let saved = try await exitUnderANewOperator(ran: .seconds(600), failures: 4)
        #expect(saved.restarts == 5 && saved.consecutiveFailures == 1)
        let wait = try #require(saved.restartNotBefore).timeIntervalSinceNow
        #expect(wait <= 0.1, "a ten-minute run still counted as a crash loop: waits \(wait) s")
    }

    @Test func aShortRunThatBeganBeforeTheOperatorRestartContinuesTheSeries() async throws {
        let saved = try await exitUnderANewOperator(ran: .seconds(5), failures: 4)
        #expect(saved.restarts == 5 && saved.consecutiveFailures == 5)
        let wait = try #require(saved.restartNotBefore).timeIntervalSinceNow
        #expect(wait > 7 && wait <= 8)
    }
}
