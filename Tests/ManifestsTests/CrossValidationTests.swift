import Foundation
import Testing

@testable import Manifests

/// Rules across objects of one apply set, each with the exact error a user sees.
@Suite("Cross-object validation")
struct CrossValidationTests {
    static func split(_ name: String, root: String, _ backends: [(String, Int)], extra: String = "") -> String {
        let list = backends.map { "  - service: \($0.0)\n    weight: \($0.1)\n" }.joined()
        return
            "apiVersion: split.smi-spec.io/v1alpha4\nkind: TrafficSplit\nmetadata:\n  name: \(name)\nspec:\n  service: \(root)\n\(extra)  backends:\n\(list)---\n"
    }

    static let base =
        serviceYAML("web", port: 80, command: false) + serviceYAML("web-v1", port: 81) + serviceYAML("web-v2", port: 82)

    @Test func aValidSetHasNoErrors() {
        let report = loadManifests([
            ("a.yaml", Self.base), ("b.yaml", Self.split("web", root: "web", [("web-v1", 9), ("web-v2", 1)])),
        ])
        #expect(report.diagnostics == [])
        #expect(report.summary == "4 objects valid (2 files)")
    }

    @Test func referencedServicesMustExist() {
        let report = loadManifests([
            ("a.yaml", Self.base),
            ("b.yaml", Self.split("web", root: "web", [("web-v1", 9), ("web-v3", 1)])),
            (
                "c.yaml",
                "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: RetryPolicy\nmetadata: {name: r}\nspec: {service: wbe}\n"
            ),
        ])
        #expect(
            report.diagnostics.map(\.description) == [
                #"b.yaml:10:14: error: spec.backends[1].service: service "web-v3" is not defined in this apply set, did you mean "web-v1"?"#,
                #"c.yaml:4:17: error: spec.service: service "wbe" is not defined in this apply set, did you mean "web"?"#,
            ]
        )
        #expect(report.summary == "2 errors in 5 objects (3 files)")
    }

    @Test func duplicateKindAndNameIsAnErrorAtTheSecond() {
        let report = loadManifests([("a.yaml", serviceYAML("db", port: 1)), ("b.yaml", serviceYAML("db", port: 2))])
        #expect(
            report.diagnostics.map(\.description) == [
                #"b.yaml:4:9: error: metadata.name: duplicate Service "db" (first defined at a.yaml:4)"#
            ]
        )
    }

    @Test func theSameNameInDifferentKindsIsFine() {
        let report = loadManifests(
            serviceYAML("db", port: 1)
                + "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: RetryPolicy\nmetadata: {name: db}\nspec: {service: db}\n"
        )
        #expect(report.diagnostics == [])
    }

    @Test func twoServicesOnOnePort() {
        let report = loadManifests(serviceYAML("a", port: 8080) + serviceYAML("b", port: 8080))
        #expect(
            report.diagnostics.map(\.description) == [
                #"m.yaml:14:9: error: spec.port: port 8080 is already used by service "a" (m.yaml:6)"#
            ]
        )
    }

    @Test func aServiceWithNoWorkloadMustBeTheRootOfASplit() {
        let report = loadManifests(serviceYAML("orphan", port: 1, command: false))
        #expect(
            report.diagnostics.map(\.description) == [
                #"m.yaml:1:1: error: spec: service "orphan" has neither command nor endpoints, does not allow registration and is not the root of a TrafficSplit nor the parent of an HTTPRoute, so nothing would serve it"#
            ]
        )
    }

    @Test func theRootIsNeverItsOwnBackend() {
        let report = loadManifests(Self.base + Self.split("web", root: "web", [("web", 1), ("web-v1", 1)]))
        #expect(
            report.diagnostics.map(\.description) == [
                #"m.yaml:32:14: error: spec.backends[0].service: a split's root service "web" cannot be its own backend"#
            ]
        )
    }

    @Test func splitsDoNotNest() {
        let report = loadManifests(
            Self.base + serviceYAML("web-v2a", port: 83) + serviceYAML("web-v2b", port: 84)
                + Self.split("outer", root: "web", [("web-v1", 1), ("web-v2", 1)])
                + Self.split("inner", root: "web-v2", [("web-v2a", 1), ("web-v2b", 1)])
        )
        #expect(
            report.diagnostics.map(\.description) == [
                #"m.yaml:50:14: error: spec.backends[1].service: service "web-v2" is the root of TrafficSplit "inner" (m.yaml:56); splits do not nest"#
            ]
        )
    }

    @Test func oneSplitPerRoot() {
        let report = loadManifests(
            Self.base + Self.split("a", root: "web", [("web-v1", 1)]) + Self.split("b", root: "web", [("web-v2", 1)])
        )
        #expect(
            report.diagnostics.map(\.description) == [
                #"m.yaml:40:12: error: spec.service: service "web" is already split by TrafficSplit "a" (m.yaml:28)"#
            ]
        )
    }

    @Test func atLeastOneWeightAboveZeroAndNoBackendTwice() {
        let report = loadManifests(Self.base + Self.split("web", root: "web", [("web-v1", 0), ("web-v1", 0)]))
        #expect(
            report.diagnostics.map(\.description) == [
                #"m.yaml:32:3: error: spec.backends: at least one backend needs a weight above 0"#,
                #"m.yaml:34:14: error: spec.backends[1].service: service "web-v1" is listed twice"#,
            ]
        )
    }

    static let group = """
        apiVersion: specs.smi-spec.io/v1alpha4
        kind: HTTPRouteGroup
        metadata:
          name: routes
        spec:
          matches:
          - name: firefox
            headers: {user-agent: ".*Firefox.*"}
        ---

        """

    @Test func matchesReferToExistingGroupsAndMatchNames() {
        let report = loadManifests(
            Self.base + Self.group
                + Self.split(
                    "web",
                    root: "web",
                    [("web-v1", 1)],
                    extra:
                        "  matches:\n  - {kind: HTTPRouteGroup, name: routes, matches: [firefx]}\n  - {kind: HTTPRouteGroup, name: nope}\n"
                )
        )
        #expect(
            report.diagnostics.map(\.description) == [
                #"m.yaml:41:52: error: spec.matches[0].matches[0]: HTTPRouteGroup "routes" has no match "firefx", did you mean "firefox"?"#,
                #"m.yaml:42:34: error: spec.matches[1].name: HTTPRouteGroup "nope" is not defined in this apply set"#,
            ]
        )
    }

    static func rollout(_ body: String) -> String {
        "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n\(body)---\n"
    }

    @Test func aRolloutRefersToAnExistingSplitAndItsBackends() {
        let report = loadManifests(
            Self.base + Self.split("web", root: "web", [("web-v1", 1), ("web-v2", 0)])
                + Self.rollout(
                    "  trafficSplit: wbe\n  canary: {stableService: web-v1, canaryService: web-v2, stepWeight: 10}\n"
                )
                + Self.rollout(
                    "  trafficSplit: web\n  canary: {stableService: web-v1, canaryService: web, stepWeight: 10}\n"
                )
                .replacingOccurrences(of: "name: r}", with: "name: r2}")
        )
        #expect(
            report.diagnostics.map(\.description) == [
                #"m.yaml:41:17: error: spec.trafficSplit: TrafficSplit "wbe" is not defined in this apply set, did you mean "web"?"#,
                #"m.yaml:49:50: error: spec.canary.canaryService: service "web" is not a backend of TrafficSplit "web" (its backends: web-v1, web-v2)"#,
            ]
        )
    }

    @Test func stableAndNewMustDifferAndOneRolloutPerSplit() {
        let report = loadManifests(
            Self.base + Self.split("web", root: "web", [("web-v1", 1), ("web-v2", 0)])
                + Self.rollout("  trafficSplit: web\n  blueGreen: {activeService: web-v1, previewService: web-v1}\n")
                + Self.rollout(
                    "  trafficSplit: web\n  canary: {stableService: web-v1, canaryService: web-v2, stepWeight: 10}\n"
                )
                .replacingOccurrences(of: "name: r}", with: "name: r2}")
        )
        #expect(
            report.diagnostics.map(\.description) == [
                #"m.yaml:42:54: error: spec.blueGreen.previewService: must differ from activeService"#,
                #"m.yaml:48:17: error: spec.trafficSplit: TrafficSplit "web" already has a Rollout (m.yaml:39)"#,
            ]
        )
    }

    @Test func onePolicyPerServiceAndPreviewPortsDoNotClash() {
        let policy =
            "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: RetryPolicy\nmetadata: {name: NAME}\nspec: {service: web}\n---\n"
        let report = loadManifests(
            Self.base + Self.split("web", root: "web", [("web-v1", 1), ("web-v2", 0)])
                + policy.replacingOccurrences(of: "NAME", with: "p1")
                + policy.replacingOccurrences(of: "NAME", with: "p2")
                + Self.rollout(
                    "  trafficSplit: web\n  blueGreen: {activeService: web-v1, previewService: web-v2, preview: {port: 81}}\n"
                )
        )
        #expect(
            report.diagnostics.map(\.description) == [
                #"m.yaml:45:17: error: spec.service: service "web" already has a RetryPolicy (m.yaml:39)"#,
                #"m.yaml:52:78: error: spec.blueGreen.preview.port: port 81 is already used by service "web-v1" (m.yaml:14)"#,
            ]
        )
    }

    @Test func crossObjectErrorsDoNotHideSchemaErrors() {
        let report = loadManifests(serviceYAML("a", port: 1) + serviceYAML("b", port: 1) + serviceYAML("c", port: 0))
        #expect(
            report.diagnostics.map(\.description) == [
                #"m.yaml:14:9: error: spec.port: port 1 is already used by service "a" (m.yaml:6)"#,
                #"m.yaml:22:9: error: spec.port: expected a whole number from 1 to 65535, got 0"#,
            ]
        )
        #expect(report.objectCount == 3)
        #expect(!report.isValid)
    }

    @Test func referencesToObjectsThatFailedTheirOwnChecksAreNotReportedAgain() {
        let report = loadManifests(
            serviceYAML("web", port: 80, command: false) + serviceYAML("web-v1", port: 0)
                + Self.split("web", root: "web", [("web-v1", -1)])
                + Self.rollout(
                    "  trafficSplit: web\n  canary: {stableService: web-v1, canaryService: web-v2, stepWeight: 10}\n"
                )
                + "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: RetryPolicy\nmetadata: {name: r}\nspec: {service: web-v1}\n"
        )
        // Only the two real problems: no "web-v1 is not defined", no "TrafficSplit web is not defined",
        // no "web has nothing serving it".
        #expect(
            report.diagnostics.map(\.description) == [
                #"m.yaml:14:9: error: spec.port: expected a whole number from 1 to 65535, got 0"#,
                #"m.yaml:25:13: error: spec.backends[0].weight: expected a whole number >= 0, got -1"#,
            ]
        )
    }
}
