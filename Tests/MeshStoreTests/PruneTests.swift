import Foundation
import MeshStore
import Testing

@Suite("apply --prune deletes only what the same source applied before")
struct PruneTests {
    @Test func pruneRemovesOnlyOwnObjectsMissingNow() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        _ = try await store.apply(
            [
                ApplyObject(kind: "Service", name: "web", spec: "{}"),
                ApplyObject(kind: "Service", name: "old", spec: "{}"),
                ApplyObject(kind: "TrafficSplit", name: "web-split", spec: "{}"),
            ],
            source: "/repo/canary"
        )
        _ = try await store.apply([ApplyObject(kind: "Service", name: "other", spec: "{}")], source: "/repo/other")
        _ = try await store.apply([ApplyObject(kind: "Service", name: "by-hand", spec: "{}")])

        let result = try await store.apply(
            [ApplyObject(kind: "Service", name: "web", spec: "{}")],
            source: "/repo/canary",
            prune: true
        )
        #expect(result.outcomes.map(\.action) == [.unchanged, .pruned, .pruned])
        #expect(result.outcomes.map(\.key.description) == ["Service/web", "Service/old", "TrafficSplit/web-split"])
        let left = try await store.objects(kind: nil).map(\.key.description)
        #expect(left == ["Service/by-hand", "Service/other", "Service/web"])
    }

    @Test func anObjectReappliedFromElsewhereBelongsThere() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        _ = try await store.apply([ApplyObject(kind: "Service", name: "moved", spec: "{}")], source: "/a")
        let moved = try await store.apply([ApplyObject(kind: "Service", name: "moved", spec: "{}")], source: "/b")
        #expect(moved.outcomes.map(\.action) == [.configured])
        #expect(try await store.object(ObjectKey(kind: "Service", name: "moved"))?.generation == 1)

        let pruneA = try await store.apply([], source: "/a", prune: true)
        #expect(pruneA.outcomes.isEmpty)
        #expect(try await store.objects(kind: "Service").count == 1)
    }

    @Test func pruneNeedsASource() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        await #expect(throws: StoreError.pruneWithoutSource) {
            try await store.apply([], prune: true)
        }
    }
}
