import Testing

@testable import Manifests

/// `spec.autoscale` of a Service: decoded with Kubernetes' 300 s scale-down window by default, printed back without
/// a fixed count, and conflicts and bad values at their line.
@Suite("Service autoscale")
struct ServiceAutoscaleManifestTests {
    static let head = "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: Service\nmetadata:\n  name: web\nspec:\n  port: 8080\n"

    @Test func decodesWithDefaultsAndRoundTrips() throws {
        let report = loadManifests(Self.head + "  command: [srv]\n  autoscale: {min: 2, max: 5, targetRPSPerReplica: 50}\n")
        #expect(report.diagnostics.map(\.description) == [])
        guard case .service(let service) = try #require(report.objects.last?.object) else {
            Issue.record("expected a service")
            return
        }
        let command = try #require(service.spec.workload.commandValue)
        #expect(command.autoscale == Service.Autoscale(min: 2, max: 5, targetRPSPerReplica: 50,
                                                       scaleDownStabilization: .seconds(300)))
        #expect(command.replicas == 2, "min until the autoscaler has a rate")
        let yaml = ManifestEncoder.yaml([.service(service)])
        #expect(!yaml.contains("replicas:") && yaml.contains("scaleDownStabilization: 5m"), "\(yaml)")
        #expect(loadManifests(yaml).objects.map(\.object) == [.service(service)])
    }

    @Test func aFixedCountBesideItAndBadValuesAreErrorsAtTheirLine() {
        #expect(errors(Self.head + """
              command: [srv]
              replicas: 3
              autoscale: {min: 4, max: 2, scaleDownStabilization: 2h}

            """) == [
            "m.yaml:8:13: error: spec.replicas: a fixed count conflicts with autoscale, which sets the count from min "
                + "to max: remove replicas, or remove autoscale to scale by hand (meshctl scale)",
            "m.yaml:9:14: error: spec.autoscale.targetRPSPerReplica: required field is missing",
            "m.yaml:9:28: error: spec.autoscale.max: must be at least min (4), got 2",
            "m.yaml:9:55: error: spec.autoscale.scaleDownStabilization: must be at most 1h, got 2h",
        ])
        #expect(errors(Self.head + "  endpoints: [\"127.0.0.1:9\"]\n  autoscale: {min: 1, max: 2, targetRPSPerReplica: 5}\n") == [
            "m.yaml:8:14: error: spec.autoscale: only allowed together with command",
        ])
    }
}
