import Foundation
import Testing

@testable import Manifests

/// The SMI specification's own documents (Fixtures/smi, copied from the spec) validate as written when the
/// services they name are defined beside them (Fixtures/smi-services).
@Suite("SMI conformance documents")
struct SMIConformanceTests {
    static let directory = repositoryRoot + "/Tests/ManifestsTests/Fixtures/smi"
    static let servicesDirectory = repositoryRoot + "/Tests/ManifestsTests/Fixtures/smi-services"

    static let documents = [
        "v1alpha1-canary.yaml", "v1alpha1-weights-quantity.yaml", "v1alpha2-canary.yaml", "v1alpha2-half.yaml",
        "v1alpha4-ab-test.yaml", "v1alpha4-canary.yaml", "v1alpha4-httproutegroup-insiders.yaml",
    ]

    @Test func everyDocumentIsCovered() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory).filter { $0.hasSuffix(".yaml") }
        #expect(files.sorted() == Self.documents)
    }

    @Test(arguments: documents)
    func validatesWithItsServices(_ name: String) {
        var paths = [Self.directory + "/" + name]
        let services = Self.servicesDirectory + "/" + name
        if FileManager.default.fileExists(atPath: services) { paths.append(services) }
        let report = ManifestSet.load(paths: paths)
        #expect(report.diagnostics.map(\.description) == [])
        #expect(report.objectCount > 0)
    }

    @Test func quantityWeightsAreRelativeShares() throws {
        let report = ManifestSet.load(paths: [
            Self.directory + "/v1alpha1-weights-quantity.yaml", Self.servicesDirectory + "/v1alpha1-weights-quantity.yaml",
        ])
        let split = try #require(
            report.objects.compactMap { if case .trafficSplit(let split) = $0.object { split } else { nil } }.first
        )
        // 10m : 100m : 1500m
        #expect(split.spec.backends.map(\.weight) == [10, 100, 1500])
        let shares = split.shares.map { ($0.share * 1610).rounded() }
        #expect(shares == [10, 100, 1500])
    }

    @Test func missingServicesAreNamedAtTheirReference() {
        let file = Self.directory + "/v1alpha2-half.yaml"
        let report = ManifestSet.load(paths: [file])
        #expect(report.diagnostics.map(\.description) == [
            "\(file):7:12: error: spec.service: service \"my-website\" is not defined in this apply set",
            "\(file):10:14: error: spec.backends[0].service: service \"my-website-v1\" is not defined in this apply set",
            "\(file):12:14: error: spec.backends[1].service: service \"my-website-v2\" is not defined in this apply set",
        ])
    }

    @Test func theABTestSplitRefersToItsRouteGroup() throws {
        let report = ManifestSet.load(paths: [
            Self.directory + "/v1alpha4-ab-test.yaml", Self.servicesDirectory + "/v1alpha4-ab-test.yaml",
        ])
        let objects = report.objects.map(\.object)
        guard case .trafficSplit(let split) = objects[0], case .httpRouteGroup(let group) = objects[1] else {
            throw TestFailure()
        }
        #expect(split.spec.matches == [.init(name: "ab-test")])
        #expect(group.spec.matches == [.init(name: "firefox-users", headers: ["user-agent": ".*Firefox.*"])])
    }
}
