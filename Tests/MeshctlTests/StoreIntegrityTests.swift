import Foundation
import Manifests
import MeshStore
import Testing

@testable import OperatorCore

/// The operator's write checks on a real SQLite store: each runs inside the write's transaction, against what is
/// stored, so a lone file applies, a delete never leaves a reference dangling, and two concurrent writes cannot
/// together break the mesh.
@Suite("Store writes keep the mesh valid")
struct StoreIntegrityTests {
    static let services = """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web}
        spec: {port: 18080, endpoints: ["127.0.0.1:19080"]}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web-v1}
        spec: {port: 18081, endpoints: ["127.0.0.1:19081"]}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web-v2}
        spec: {port: 18082, endpoints: ["127.0.0.1:19082"]}

        """

    static func split(v1: Int, v2: Int) -> String {
        """
        apiVersion: split.smi-spec.io/v1alpha4
        kind: TrafficSplit
        metadata: {name: web}
        spec:
          service: web
          backends:
          - {service: web-v1, weight: \(v1)}
          - {service: web-v2, weight: \(v2)}

        """
    }

    /// Applies files the way `POST /v1/apply` does: parsed and checked alone, then checked as a whole in the store.
    static func apply(_ files: [(String, String)], to store: SQLiteStore, source: String? = nil,
                      prune: Bool = false) async throws -> ApplyResult {
        let (report, _) = ManifestSet.decode(sources: files.map { .init(file: $0.0, bytes: Array($0.1.utf8)) })
        #expect(report.isValid, "\(report.diagnostics)")
        let objects = report.objects.map { loaded in
            ApplyObject(kind: loaded.object.kind.rawValue, name: loaded.object.name, spec: loaded.object.specJSON,
                        typed: StoredManifest(loaded).encoded())
        }
        let applied = report.objects
        return try await store.apply(objects, options: ApplyOptions(source: source, prune: prune, check: { stored, pruned in
            try OperatorRoutes.checkApply(applied, stored: StoredManifests.decode(stored).objects, pruned: pruned)
        }))
    }

    static func delete(_ key: MeshStore.ObjectKey, cascade: Bool = false, from store: SQLiteStore) async throws
        -> [StoredObject]
    {
        try await store.delete([key], plan: { stored, requested in
            try OperatorRoutes.planDelete(requested, cascade: cascade, stored: stored,
                                          objects: StoredManifests.decode(stored).objects)
        })
    }

    let webV2 = MeshStore.ObjectKey(kind: "Service", name: "web-v2")

    @Test func aLoneSplitAppliesAgainstStoredServices() async throws {
        let dir = try TemporaryStateDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        _ = try await Self.apply([("services.yaml", Self.services), ("split.yaml", Self.split(v1: 9, v2: 1))], to: store)
        let result = try await Self.apply([("split.yaml", Self.split(v1: 5, v2: 5))], to: store)
        #expect(result.outcomes.map(\.action) == [.configured])
    }

    @Test func deletingAReferencedServiceIsRefusedNamingTheSplit() async throws {
        let dir = try TemporaryStateDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        _ = try await Self.apply([("services.yaml", Self.services), ("split.yaml", Self.split(v1: 9, v2: 1))], to: store)
        let revision = try await store.revision()
        do {
            _ = try await Self.delete(webV2, from: store)
            Issue.record("the delete was accepted")
        } catch let refused as MeshWriteRefused {
            #expect(refused.errors.first?.contains(
                "cannot delete service/web-v2: still referred to by trafficsplit/web (spec.backends[1].service)") == true,
                "\(refused.errors)")
        }
        #expect(try await store.object(webV2) != nil)
        #expect(try await store.revision() == revision)

        let deleted = try await Self.delete(webV2, cascade: true, from: store)
        #expect(deleted.map(\.key.description) == ["Service/web-v2", "TrafficSplit/web"])
    }

    @Test func aPruneThatWouldDangleIsRefused() async throws {
        let dir = try TemporaryStateDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        _ = try await Self.apply([("services.yaml", Self.services)], to: store, source: "/app")
        _ = try await Self.apply([("split.yaml", Self.split(v1: 9, v2: 1))], to: store, source: "/split")
        let withoutV2 = Self.services.components(separatedBy: "---\n").prefix(2).joined(separator: "---\n")
        await #expect(throws: MeshWriteRefused.self) {
            try await Self.apply([("services.yaml", withoutV2)], to: store, source: "/app", prune: true)
        }
        #expect(try await store.object(webV2) != nil)
    }

    /// A delete of a Service and an apply of a split naming it, at once: whichever commits second sees the first,
    /// so the store never ends with the split naming a deleted Service.
    @Test func concurrentWritesCannotTogetherLeaveADanglingReference() async throws {
        for _ in 0..<10 {
            let dir = try TemporaryStateDirectory()
            defer { dir.remove() }
            let store = try SQLiteStore(stateDirectory: dir.path)
            _ = try await Self.apply([("services.yaml", Self.services)], to: store)
            async let split = try? Self.apply([("split.yaml", Self.split(v1: 9, v2: 1))], to: store)
            async let delete = try? Self.delete(webV2, from: store)
            let (applied, deleted) = await (split, delete)
            #expect((applied != nil) != (deleted?.isEmpty == false), "exactly one of the two writes goes through")
            let names = Set(try await store.objects(kind: nil).map(\.key.description))
            #expect(!(names.contains("TrafficSplit/web") && !names.contains("Service/web-v2")), "\(names)")
        }
    }

    @Test func aPassLoadsTypedValuesWithoutParsingTheStoredSpecs() async throws {
        let dir = try TemporaryStateDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        let (report, _) = ManifestSet.decode(sources: [.init(file: "services.yaml", bytes: Array(Self.services.utf8))])
        // A spec no parser would accept as a Service: a load that parsed specs would fail or lose the objects.
        _ = try await store.apply(report.objects.map { loaded in
            ApplyObject(kind: loaded.object.kind.rawValue, name: loaded.object.name, spec: #"{"port":"not a port"}"#,
                        typed: StoredManifest(loaded).encoded())
        })
        let snapshot = try await MeshSnapshot.load(from: store)
        #expect(snapshot.problems.isEmpty)
        #expect(snapshot.objects == report.objects.map(\.object))
    }

    /// A pass (and each write's check) decodes only rows whose typed form changed: an unchanged row's value comes from
    /// the last decode, as a sentinel left there shows.
    @Test func unchangedRowsAreNotDecodedAgain() async throws {
        let dir = try TemporaryStateDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        _ = try await Self.apply([("services.yaml", Self.services), ("split.yaml", Self.split(v1: 9, v2: 1))], to: store)
        let first = try await MeshSnapshot.load(from: store)
        var previous = first
        let sentinel = ManifestObject.service(Service(metadata: ObjectMeta(name: "sentinel"), spec: .init(port: 1)))
        for (key, entry) in previous.decoded where key.kind == "Service" {
            previous.decoded[key] = (entry.typed, LoadedObject(object: sentinel, source: entry.loaded.source))
        }
        _ = try await Self.apply([("split.yaml", Self.split(v1: 5, v2: 5))], to: store)
        let next = try await MeshSnapshot.load(from: store, reusing: previous)
        #expect(next.objects.filter { $0 == sentinel }.count == 3, "the three unchanged Services were reused")
        #expect(next.objects.compactMap(\.trafficSplit).first?.spec.backends.map(\.weight) == [5, 5],
                "the changed split was decoded")
    }

    @Test func rowsFromBeforeTypedFormsAreParsedOnceAndUpgraded() async throws {
        let dir = try TemporaryStateDirectory()
        defer { dir.remove() }
        let store = try SQLiteStore(stateDirectory: dir.path)
        let (report, _) = ManifestSet.decode(sources: [.init(file: "services.yaml", bytes: Array(Self.services.utf8))])
        _ = try await store.apply(report.objects.map { loaded in
            ApplyObject(kind: loaded.object.kind.rawValue, name: loaded.object.name,
                        apiVersion: loaded.object.apiVersion, spec: loaded.object.specJSON)
        })
        let snapshot = try await MeshSnapshot.load(from: store)
        #expect(snapshot.objects == report.objects.map(\.object))
        for object in try await store.objects(kind: nil) {
            #expect(StoredManifest.decode(object.typed)?.object.name == object.key.name)
        }
    }
}

/// A fresh state directory, removed by `remove()`.
struct TemporaryStateDirectory {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("integrity-\(UUID().uuidString)").path

    init() throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
