import Foundation
import MeshStore
import Testing

/// The hooks whole-mesh validity hangs on: a check inside the apply transaction, a plan inside the delete
/// transaction, and the typed form kept beside the spec.
@Suite("Write checks, multi-object deletes and typed forms")
struct WriteCheckTests {
    struct Refused: Error {}

    let web = ObjectKey(kind: "Service", name: "web")
    let split = ObjectKey(kind: "TrafficSplit", name: "web")

    @Test func aRefusingCheckWritesNothingAndSeesPrunedKeys() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        _ = try await store.apply([ApplyObject(kind: "Service", name: "web", spec: "{}"),
                                   ApplyObject(kind: "TrafficSplit", name: "web", spec: "{}")], source: "/m")
        let seen = Locked<(Int, Set<ObjectKey>)>((0, []))
        let check: ApplyCheck = { stored, pruned in
            seen.set((stored.count, pruned))
            throw Refused()
        }
        await #expect(throws: Refused.self) {
            try await store.apply([ApplyObject(kind: "Service", name: "web", spec: #"{"port":1}"#)],
                                  options: ApplyOptions(source: "/m", prune: true, check: check))
        }
        #expect(seen.value.0 == 2)
        #expect(seen.value.1 == [split])
        #expect(try await store.revision() == 1)
        #expect(try await store.objects(kind: nil).count == 2)
    }

    @Test func aPlanDecidesWhatOneDeleteRemovesInOneRevision() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        _ = try await store.apply([ApplyObject(kind: "Service", name: "web", spec: "{}"),
                                   ApplyObject(kind: "TrafficSplit", name: "web", spec: "{}"),
                                   ApplyObject(kind: "Service", name: "db", spec: "{}")])
        await #expect(throws: Refused.self) {
            try await store.delete([web], plan: { _, _ in throw Refused() })
        }
        #expect(try await store.objects(kind: nil).count == 3)

        let deleted = try await store.delete([web], plan: { stored, requested in
            #expect(stored.count == 3)
            return requested + [ObjectKey(kind: "TrafficSplit", name: "web")]
        })
        #expect(deleted.map(\.key) == [web, split])
        #expect(try await store.revision() == 2)
        #expect(try await store.objects(kind: nil).map(\.key.name) == ["db"])
        #expect(try await store.delete([web], plan: nil).isEmpty, "nothing left to delete")
    }

    @Test func theTypedFormIsKeptAndAMoveAloneIsNotAChange() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        _ = try await store.apply([ApplyObject(kind: "Service", name: "web", spec: "{}", typed: Data(#"{"a":1}"#.utf8))])
        let moved = try await store.apply([
            ApplyObject(kind: "Service", name: "web", spec: "{}", typed: Data(#"{"a":2}"#.utf8))
        ])
        #expect(moved.outcomes.map(\.action) == [.unchanged])
        let stored = try #require(try await store.object(web))
        #expect(stored.typed == Data(#"{"a":2}"#.utf8))
        #expect(stored.resourceVersion == 1)
    }

    @Test func typedFormsAreFilledInOnlyAtTheVersionTheyCameFrom() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        _ = try await store.apply([ApplyObject(kind: "Service", name: "web", spec: "{}"),
                                   ApplyObject(kind: "Service", name: "db", spec: "{}")])
        let db = ObjectKey(kind: "Service", name: "db")
        try await store.saveTypedForms([(web, 1, Data("{}".utf8)), (db, 99, Data("{}".utf8))])
        #expect(try await store.object(web)?.typed == Data("{}".utf8))
        #expect(try await store.object(web)?.resourceVersion == 1, "no revision moved")
        #expect(try await store.object(db)?.typed == nil, "stale: left for the next load")
        #expect(try await store.revision() == 1)
    }
}

/// A value shared with a `@Sendable` closure.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func set(_ value: Value) { lock.withLock { stored = value } }
}
