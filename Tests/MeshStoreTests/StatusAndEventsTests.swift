import Foundation
import MeshStore
import Testing

@Suite("Status writes and bounded events")
struct StatusAndEventsTests {
    let web = ObjectKey(kind: "Service", name: "web")

    @Test func statusMovesResourceVersionNotGeneration() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        _ = try await store.apply([ApplyObject(kind: "Service", name: "web", spec: "{}")])

        let status = ObjectStatus(
            observedGeneration: 1,
            json: #"{"conditions":[{"type":"Ready","status":"True","reason":"AllReplicasReady"}]}"#
        )
        let rv = try await store.updateStatus(web, status)
        #expect(rv == 2)
        let stored = try #require(try await store.object(web))
        #expect(stored.generation == 1)
        #expect(stored.resourceVersion == 2)
        #expect(stored.status == status)

        #expect(try await store.updateStatus(web, status) == 2, "the same status again writes nothing")
        // A spec apply after a status write keeps the status.
        _ = try await store.apply([ApplyObject(kind: "Service", name: "web", spec: #"{"p":1}"#)])
        #expect(try await store.object(web)?.status == status)
        #expect(try await store.object(web)?.generation == 2)
    }

    @Test func statusOfMissingObjectOrNonObjectJSONFails() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        await #expect(throws: StoreError.notFound(web)) {
            try await store.updateStatus(web, ObjectStatus(observedGeneration: 1, json: "{}"))
        }
        _ = try await store.apply([ApplyObject(kind: "Service", name: "web", spec: "{}")])
        await #expect(throws: StoreError.invalidObjects([.init(key: web, reason: "status is not valid JSON")])) {
            try await store.updateStatus(web, ObjectStatus(observedGeneration: 1, json: "{"))
        }
    }

    @Test func eventsKeepOnlyTheNewest() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path, eventLimit: 10)
        let other = ObjectKey(kind: "Service", name: "other")
        for i in 1...25 {
            try await store.recordEvent(
                NewEvent(key: i.isMultiple(of: 5) ? other : web, type: .normal, reason: "Step", message: "step \(i)")
            )
        }
        let all = try await store.events(for: nil, limit: 100)
        #expect(all.map(\.message) == (16...25).map { "step \($0)" })
        let forOther = try await store.events(for: other, limit: 100)
        #expect(forOther.map(\.message) == ["step 20", "step 25"])
        let lastTwo = try await store.events(for: web, limit: 2)
        #expect(lastTwo.map(\.message) == ["step 23", "step 24"])
    }

    @Test func repeatedEventsFoldIntoOneWithACount() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        let start = Date(timeIntervalSince1970: 1_000_000)
        for i in 0..<3 {
            try await store.recordEvent(
                NewEvent(
                    key: web,
                    type: .warning,
                    reason: "BackOff",
                    message: "Back-off restarting failed replica 0",
                    time: start.addingTimeInterval(Double(i))
                )
            )
        }
        try await store.recordEvent(NewEvent(key: web, type: .normal, reason: "Started", message: "replica 0"))
        let events = try await store.events(for: web, limit: 10)
        #expect(events.count == 2)
        #expect(events[0].reason == "BackOff")
        #expect(events[0].type == .warning)
        #expect(events[0].count == 3)
        #expect(events[0].firstTime == start)
        #expect(events[0].lastTime == start.addingTimeInterval(2))
        #expect(events[1].count == 1)
    }
}
