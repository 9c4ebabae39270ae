import Foundation
import Testing

@testable import Manifests

/// Whole-mesh validity: a write's objects checked together with the stored ones, as the operator checks every
/// apply, prune and delete.
@Suite("Whole-mesh validation")
struct MeshValidationTests {
    static let services = CrossValidationTests.base  // web (split root), web-v1, web-v2
    static let split = CrossValidationTests.split("web", root: "web", [("web-v1", 9), ("web-v2", 1)])
    static let rollout = """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Rollout
        metadata: {name: web}
        spec:
          trafficSplit: web
          canary: {stableService: web-v1, canaryService: web-v2, steps: [{setWeight: 50}]}

        """

    /// The objects in `files`, loaded as the operator's store would hold them (typed form, source kept).
    static func stored(_ files: [(String, String)]) -> [LoadedObject] {
        let report = loadManifests(files)
        #expect(report.diagnostics == [])
        return report.objects.map { StoredManifest.decode(StoredManifest($0).encoded())!.loaded }
    }

    static func decoded(_ text: String, file: String) -> [LoadedObject] {
        let (report, invalid) = ManifestSet.decode(sources: [.init(file: file, bytes: Array(text.utf8))])
        #expect(report.diagnostics == [] && invalid.isEmpty)
        return report.objects
    }

    @Test func aLoneSplitResolvesAgainstStoredServices() {
        let stored = Self.stored([("services.yaml", Self.services), ("split.yaml", Self.split)])
        let changed = CrossValidationTests.split("web", root: "web", [("web-v1", 5), ("web-v2", 5)])
        let applied = Self.decoded(changed, file: "split.yaml")
        #expect(MeshValidator.validate(applied: applied, stored: stored) == [])
        // Alone, the same file still fails `meshctl validate` (nothing stored to resolve against).
        #expect(errors(changed, file: "split.yaml").count == 3)
    }

    @Test func aReferenceToNothingNamesBothPlacesLooked() {
        let stored = Self.stored([("services.yaml", Self.services), ("split.yaml", Self.split)])
        let applied = Self.decoded(
            CrossValidationTests.split("web", root: "web", [("web-v1", 5), ("web-v3", 5)]), file: "split.yaml")
        #expect(MeshValidator.validate(applied: applied, stored: stored).map(\.description) == [
            #"split.yaml:10:14: error: spec.backends[1].service: service "web-v3" is not defined in this apply set or the store, did you mean "web-v1"?"#
        ])
    }

    @Test func deletingAReferencedServiceNamesTheReferrer() {
        let stored = Self.stored([("services.yaml", Self.services), ("split.yaml", Self.split)])
        let removed: Set<ObjectKey> = [ObjectKey(kind: .service, name: "web-v2")]
        #expect(MeshValidator.refusals(removed: removed, remaining: stored.map(\.object)) == [
            "cannot delete service/web-v2: still referred to by trafficsplit/web (spec.backends[1].service); "
                + "delete or change them first, or delete with --cascade"
        ])
        // The stored referrer is pointed at in the file it was applied from.
        #expect(MeshValidator.validate(applied: [], stored: stored, removed: removed).map(\.description) == [
            #"split.yaml:10:14: error: spec.backends[1].service: Service "web-v2" would be deleted, but this still refers to it (in stored trafficsplit/web, applied earlier)"#
        ])
    }

    @Test func cascadeFollowsReferrersTransitivelyAndLeavesTheRestValid() {
        let stored = Self.stored([("services.yaml", Self.services + Self.split + Self.rollout)])
        let removed = MeshReferences.cascade([ObjectKey(kind: .service, name: "web-v1")], in: stored.map(\.object))
        #expect(removed == [
            ObjectKey(kind: .service, name: "web-v1"), ObjectKey(kind: .trafficSplit, name: "web"),
            ObjectKey(kind: .rollout, name: "web"),
        ])
        #expect(MeshValidator.refusals(removed: removed, remaining: stored.map(\.object)) == [])
        // The split's root has no workload of its own: with the split gone nothing would serve it.
        #expect(MeshValidator.validate(applied: [], stored: stored, removed: removed).map(\.message) == [
            #"service "web" has neither command nor endpoints, does not allow registration and is not the root of a TrafficSplit nor the parent of an HTTPRoute, so nothing would serve it (in stored service/web, applied earlier)"#
        ])
    }

    @Test func problemsTheStoreAlreadyHadDoNotBlockAnUnrelatedWrite() {
        // A store broken before this check existed: the split names a Service that is gone.
        let stored = Self.stored([("services.yaml", Self.services), ("split.yaml", Self.split)])
            .filter { $0.object.name != "web-v2" }
        let applied = Self.decoded(serviceYAML("db", port: 90), file: "db.yaml")
        #expect(MeshValidator.validate(applied: applied, stored: stored) == [])
    }

    @Test(arguments: ["canary", "blue-green", "retries"])
    func theTypedFormDecodesToTheSameObjectsAndSources(example: String) {
        let report = ManifestSet.load(paths: [repositoryRoot + "/examples/" + example])
        #expect(report.isValid)
        for loaded in report.objects {
            #expect(StoredManifest.decode(StoredManifest(loaded).encoded())?.loaded == loaded)
        }
    }
}
