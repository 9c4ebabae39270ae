import Foundation
import MeshStore
import Testing

@Suite("Reopening the store keeps everything")
struct DurabilityTests {
    @Test func everythingSurvivesCloseAndReopen() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let web = ObjectKey(kind: "Service", name: "web")
        let process = StoredProcess(
            id: "workload/web/0",
            role: .workload,
            service: "web",
            replica: 0,
            pid: 4242,
            startTime: 123_456_789,
            commandHash: "abc",
            ports: Data(#"{"port":20001}"#.utf8),
            logPath: "/tmp/web-0.log",
            state: "running",
            updatedAt: Date(timeIntervalSince1970: 1_700_000_000)
        )
        do {
            let store = try SQLiteStore(stateDirectory: dir.path)
            _ = try await store.apply(
                [ApplyObject(kind: "Service", name: "web", spec: #"{"port":8080}"#, labels: ["a": "b"])],
                source: "/m"
            )
            _ = try await store.updateStatus(web, ObjectStatus(observedGeneration: 1, json: #"{"readyReplicas":2}"#))
            try await store.recordEvent(NewEvent(key: web, type: .normal, reason: "Created", message: "created"))
            try await store.saveProcess(process)
            try await store.saveRollout(
                name: "web",
                stepIndex: 2,
                state: Data(#"{"phase":"Progressing"}"#.utf8),
                historyEntry: Data(#"{"step":2}"#.utf8),
                status: nil
            )
            #expect(FileManager.default.fileExists(atPath: dir.path + "/state.sqlite-wal"), "WAL mode")
            try store.close()
        }

        let reopened = try SQLiteStore(stateDirectory: dir.path)
        defer { try? reopened.close() }
        let object = try #require(try await reopened.object(web))
        #expect(object.spec == Data(#"{"port":8080}"#.utf8))
        #expect(object.labels == ["a": "b"])
        #expect(object.source == "/m")
        #expect(object.status?.json == Data(#"{"readyReplicas":2}"#.utf8))
        #expect(try await reopened.revision() == 2)
        #expect(try await reopened.events(for: web, limit: 5).map(\.reason) == ["Created"])
        #expect(try await reopened.processes() == [process])
        let rollout = try #require(try await reopened.rollout(named: "web"))
        #expect(rollout.stepIndex == 2)
        #expect(rollout.history.map(\.entry) == [Data(#"{"step":2}"#.utf8)])

        // The revision keeps counting from where it was.
        let next = try await reopened.apply([ApplyObject(kind: "Service", name: "api", spec: "{}")])
        #expect(next.outcomes[0].resourceVersion == 3)
    }
}
