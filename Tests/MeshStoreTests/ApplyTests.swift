import Foundation
import MeshStore
import Testing

@Suite("Apply: atomic, generation and resourceVersion, optimistic concurrency")
struct ApplyTests {
    let web = ObjectKey(kind: "Service", name: "web")
    let api = ObjectKey(kind: "Service", name: "api")

    @Test func createdThenUnchangedThenConfigured() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)

        let first = try await store.apply([ApplyObject(kind: "Service", name: "web", spec: #"{"port":8080}"#)])
        #expect(first.outcomes.map(\.action) == [.created])
        #expect(first.outcomes[0].generation == 1)
        #expect(first.revision == 1)

        let again = try await store.apply([ApplyObject(kind: "Service", name: "web", spec: #"{"port":8080}"#)])
        #expect(again.outcomes.map(\.action) == [.unchanged])
        #expect(again.revision == 1, "an unchanged apply writes nothing")
        #expect(!again.changedAnything)

        let changed = try await store.apply([ApplyObject(kind: "Service", name: "web", spec: #"{"port":9090}"#)])
        #expect(changed.outcomes.map(\.action) == [.configured])
        #expect(changed.outcomes[0].generation == 2)
        #expect(changed.outcomes[0].resourceVersion == 2)

        let stored = try #require(try await store.object(web))
        #expect(String(decoding: stored.spec, as: UTF8.self) == #"{"port":9090}"#)
        #expect(stored.generation == 2)
        #expect(stored.resourceVersion == 2)
    }

    @Test func labelChangeMovesResourceVersionButNotGeneration() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        _ = try await store.apply([ApplyObject(kind: "Service", name: "web", spec: "{}")])

        let relabelled = try await store.apply([
            ApplyObject(kind: "Service", name: "web", spec: "{}", labels: ["team": "payments"])
        ])
        #expect(relabelled.outcomes.map(\.action) == [.configured])
        let stored = try #require(try await store.object(web))
        #expect(stored.generation == 1)
        #expect(stored.resourceVersion == 2)
        #expect(stored.labels == ["team": "payments"])
    }

    @Test func apiVersionIsKeptAndIsMetadata() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        let split = ObjectKey(kind: "TrafficSplit", name: "web")
        _ = try await store.apply([
            ApplyObject(kind: "TrafficSplit", name: "web", apiVersion: "split.smi-spec.io/v1alpha2", spec: "{}")
        ])
        #expect(try await store.object(split)?.apiVersion == "split.smi-spec.io/v1alpha2")
        let upgraded = try await store.apply([
            ApplyObject(kind: "TrafficSplit", name: "web", apiVersion: "split.smi-spec.io/v1alpha4", spec: "{}")
        ])
        #expect(upgraded.outcomes.map(\.action) == [.configured])
        #expect(upgraded.outcomes[0].generation == 1)
        #expect(try await store.object(split)?.apiVersion == "split.smi-spec.io/v1alpha4")
    }

    @Test func oneInvalidObjectRejectsTheWholeApply() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        _ = try await store.apply([ApplyObject(kind: "Service", name: "web", spec: #"{"port":1}"#)])

        let error = await #expect(throws: StoreError.self) {
            try await store.apply([
                ApplyObject(kind: "Service", name: "web", spec: #"{"port":2}"#),
                ApplyObject(kind: "Service", name: "api", spec: #"{"port": "#),
                ApplyObject(kind: "Service", name: "", spec: "[]"),
            ])
        }
        guard case .invalidObjects(let problems)? = error else {
            Issue.record("expected invalidObjects, got \(String(describing: error))")
            return
        }
        #expect(
            problems.map(\.description) == [
                "Service/api: spec is not valid JSON",
                "Service/: metadata.name is empty",
                "Service/: spec is a JSON array, not an object",
            ]
        )
        #expect(try await store.object(api) == nil)
        #expect(try await store.object(web)?.spec == Data(#"{"port":1}"#.utf8))
        #expect(try await store.revision() == 1)
    }

    @Test func duplicateKeysAreRejected() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        await #expect(
            throws: StoreError.invalidObjects([.init(key: web, reason: "appears more than once in this apply")])
        ) {
            try await store.apply([
                ApplyObject(kind: "Service", name: "web", spec: "{}"),
                ApplyObject(kind: "Service", name: "web", spec: #"{"a":1}"#),
            ])
        }
        #expect(try await store.objects(kind: nil).isEmpty)
    }

    @Test func staleResourceVersionConflictsAndChangesNothing() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        let created = try await store.apply([ApplyObject(kind: "Service", name: "web", spec: #"{"v":1}"#)])
        let readVersion = created.outcomes[0].resourceVersion
        // Someone else writes in between.
        _ = try await store.apply([ApplyObject(kind: "Service", name: "web", spec: #"{"v":2}"#)])

        let error = await #expect(throws: StoreError.self) {
            try await store.apply(
                [
                    ApplyObject(kind: "Service", name: "api", spec: "{}"),
                    ApplyObject(kind: "Service", name: "web", spec: #"{"v":3}"#),
                ],
                expectedResourceVersions: [web: readVersion]
            )
        }
        #expect(error == .conflict([.init(key: web, expected: 1, actual: 2)]))
        #expect(error.map(String.init(describing:))?.contains("Service/web: the object has been modified") == true)
        #expect(try await store.object(web)?.spec == Data(#"{"v":2}"#.utf8))
        #expect(try await store.object(api) == nil, "the other object of the failed apply was not written")
        #expect(try await store.revision() == 2)

        // The current version succeeds; 0 means "must not exist yet".
        let ok = try await store.apply(
            [
                ApplyObject(kind: "Service", name: "web", spec: #"{"v":3}"#),
                ApplyObject(kind: "Service", name: "api", spec: "{}"),
            ],
            expectedResourceVersions: [web: 2, api: 0]
        )
        #expect(ok.outcomes.map(\.action) == [.configured, .created])
        await #expect(throws: StoreError.conflict([.init(key: api, expected: 0, actual: 3)])) {
            try await store.apply(
                [ApplyObject(kind: "Service", name: "api", spec: #"{"x":1}"#)],
                expectedResourceVersions: [api: 0]
            )
        }
    }

    @Test func dryRunReportsButWritesNothing() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        _ = try await store.apply([ApplyObject(kind: "Service", name: "web", spec: #"{"v":1}"#)], source: "/m")

        let preview = try await store.apply(
            [
                ApplyObject(kind: "Service", name: "web", spec: #"{"v":2}"#),
                ApplyObject(kind: "Service", name: "api", spec: "{}"),
            ],
            source: "/m",
            dryRun: true
        )
        #expect(preview.outcomes.map(\.action) == [.configured, .created])
        #expect(try await store.object(api) == nil)
        #expect(try await store.object(web)?.generation == 1)
        #expect(try await store.revision() == 1)
    }

    @Test func deleteHonoursExpectedResourceVersion() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        _ = try await store.apply([ApplyObject(kind: "Service", name: "web", spec: "{}")])

        await #expect(throws: StoreError.conflict([.init(key: web, expected: 7, actual: 1)])) {
            try await store.delete(web, expectedResourceVersion: 7)
        }
        #expect(try await store.object(web) != nil)
        let deleted = try await store.delete(web, expectedResourceVersion: 1)
        #expect(deleted?.key == web)
        #expect(try await store.object(web) == nil)
        #expect(try await store.delete(web) == nil, "deleting what is gone is not an error")
        #expect(try await store.revision() == 2)
    }
}

@Suite("Concurrent writers")
struct ConcurrentApplyTests {
    @Test func ofTwoWritersWithTheSameReadOnlyOneWins() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        let key = ObjectKey(kind: "TrafficSplit", name: "web")
        let read = try await store.apply([ApplyObject(kind: "TrafficSplit", name: "web", spec: #"{"w":0}"#)])
        let version = read.outcomes[0].resourceVersion

        let results = await withTaskGroup(of: Bool.self) { group in
            for writer in 1...8 {
                group.addTask {
                    do {
                        _ = try await store.apply(
                            [ApplyObject(kind: "TrafficSplit", name: "web", spec: "{\"w\":\(writer)}")],
                            expectedResourceVersions: [key: version]
                        )
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 1)
        let stored = try #require(try await store.object(key))
        #expect(stored.generation == 2)
        #expect(stored.resourceVersion == version + 1)
    }

    @Test func aPreconditionOnAnObjectNotAppliedIsChecked() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        let other = ObjectKey(kind: "Service", name: "other")
        _ = try await store.apply([ApplyObject(kind: "Service", name: "other", spec: "{}")])
        await #expect(throws: StoreError.conflict([.init(key: other, expected: 5, actual: 1)])) {
            try await store.apply(
                [ApplyObject(kind: "Service", name: "web", spec: "{}")],
                expectedResourceVersions: [other: 5]
            )
        }
        #expect(try await store.objects(kind: nil).count == 1)
    }
}
