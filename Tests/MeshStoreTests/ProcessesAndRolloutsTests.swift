import Foundation
import MeshStore
import Testing

@Suite("Process records, rollout state and the change feed")
struct ProcessesAndRolloutsTests {
    @Test func processRecordsInsertUpdateDelete() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        var sidecar = StoredProcess(
            id: "sidecar/web/0",
            role: .sidecar,
            service: "web",
            replica: 0,
            pid: 10,
            startTime: 99,
            commandHash: "h1",
            logPath: "/l",
            state: "starting"
        )
        let gateway = StoredProcess(
            id: "gateway",
            role: .gateway,
            service: "",
            replica: 0,
            pid: 11,
            startTime: 100,
            commandHash: "h2",
            logPath: "/g",
            state: "running"
        )
        try await store.saveProcess(sidecar)
        try await store.saveProcess(gateway)
        sidecar.state = "running"
        sidecar.pid = 12
        try await store.saveProcess(sidecar)
        #expect(try await store.processes().map(\.id) == ["gateway", "sidecar/web/0"])
        #expect(try await store.process(id: "sidecar/web/0")?.pid == 12)
        #expect(try await store.process(id: "sidecar/web/0")?.state == "running")
        try await store.deleteProcess(id: "gateway")
        try await store.deleteProcess(id: "gateway")
        #expect(try await store.processes().map(\.id) == ["sidecar/web/0"])
    }

    @Test func rolloutStateWithBoundedHistoryAndStatusInOneTransaction() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path, rolloutHistoryLimit: 3)
        let key = ObjectKey(kind: "Rollout", name: "web")
        _ = try await store.apply([ApplyObject(kind: "Rollout", name: "web", spec: "{}")])
        for step in 0..<5 {
            try await store.saveRollout(
                name: "web",
                stepIndex: step,
                state: Data("{\"step\":\(step)}".utf8),
                historyEntry: Data("{\"step\":\(step)}".utf8),
                status: (key, ObjectStatus(observedGeneration: 1, json: "{\"currentStepIndex\":\(step)}"))
            )
        }
        let rollout = try #require(try await store.rollout(named: "web"))
        #expect(rollout.stepIndex == 4)
        #expect(rollout.history.map(\.stepIndex) == [2, 3, 4])
        #expect(try await store.object(key)?.status?.json == Data(#"{"currentStepIndex":4}"#.utf8))

        // A status for a missing object fails the whole save: the step does not move either.
        await #expect(throws: StoreError.notFound(ObjectKey(kind: "Rollout", name: "gone"))) {
            try await store.saveRollout(
                name: "web",
                stepIndex: 9,
                state: Data("{}".utf8),
                historyEntry: nil,
                status: (ObjectKey(kind: "Rollout", name: "gone"), ObjectStatus(observedGeneration: 1, json: "{}"))
            )
        }
        #expect(try await store.rollout(named: "web")?.stepIndex == 4)

        try await store.deleteRollout(named: "web")
        #expect(try await store.rollout(named: "web") == nil)
    }

    @Test func watchersSeeCommittedChanges() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        let changes = store.changes()
        let result = try await store.apply([ApplyObject(kind: "Service", name: "web", spec: "{}")])
        let change = await firstElement(of: changes)
        #expect(change == StoreChange(scope: .objects, revision: result.revision))

        // Nothing changed, nothing announced; the next announcement is the status write.
        let later = store.changes()
        _ = try await store.apply([ApplyObject(kind: "Service", name: "web", spec: "{}")])
        _ = try await store.updateStatus(
            ObjectKey(kind: "Service", name: "web"),
            ObjectStatus(observedGeneration: 1, json: "{}")
        )
        #expect(await firstElement(of: later) == StoreChange(scope: .objects, revision: 2))

        // Closing the store ends the streams.
        let closing = store.changes()
        try store.close()
        #expect(await firstElement(of: closing) == nil)
    }
}
