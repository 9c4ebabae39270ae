import Testing

@testable import Manifests

/// `spec.rateLimit` of a Service: decoded with its default burst, printed back, and bad values at their line.
@Suite("Service rateLimit")
struct ServiceRateLimitTests {
    static let head = "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: Service\nmetadata:\n  name: web\nspec:\n  port: 8080\n"

    @Test("burst defaults to one second's worth; -o yaml prints both and loads again to the same object")
    func decodeAndRoundTrip() throws {
        let report = loadManifests(Self.head + "  command: [srv]\n  rateLimit: {requestsPerSecond: 50}\n")
        #expect(report.diagnostics.map(\.description) == [])
        guard case .service(let service) = try #require(report.objects.last?.object) else {
            Issue.record("expected a service")
            return
        }
        #expect(service.spec.rateLimit == Service.RateLimit(requestsPerSecond: 50, burst: 50))
        let yaml = ManifestEncoder.yaml([.service(service)])
        #expect(yaml.contains("rateLimit:\n    requestsPerSecond: 50\n    burst: 50\n"))
        #expect(loadManifests(yaml).objects.map(\.object) == [.service(service)])
    }

    @Test("a rate of 0, a quoted burst, a missing rate and a limit on endpoints are errors at their line")
    func badInput() {
        #expect(errors(Self.head + "  command: [srv]\n  rateLimit: {requestsPerSecond: 0, burst: \"5\"}\n") == [
            "m.yaml:8:34: error: spec.rateLimit.requestsPerSecond: expected a whole number from 1 to 1000000, got 0",
            #"m.yaml:8:44: error: spec.rateLimit.burst: expected a whole number from 1 to 1000000, got the string "5" (write numbers without quotes)"#,
        ])
        #expect(errors(Self.head + "  command: [srv]\n  rateLimit: {burst: 5}\n") == [
            "m.yaml:8:14: error: spec.rateLimit.requestsPerSecond: required field is missing",
        ])
        #expect(errors(Self.head + "  endpoints: [\"127.0.0.1:9\"]\n  rateLimit: {requestsPerSecond: 5}\n") == [
            "m.yaml:8:14: error: spec.rateLimit: only allowed together with command: each replica's sidecar enforces it",
        ])
    }
}
