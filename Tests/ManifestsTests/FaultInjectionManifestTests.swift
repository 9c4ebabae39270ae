import Foundation
import Testing

@testable import Manifests

/// The FaultInjection kind: Istio's delay and abort, a route match, an expiry; bad input at its line.
@Suite("FaultInjection manifests")
struct FaultInjectionManifestTests {
    static let web = serviceYAML("web", port: 8080)
    static let head = "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: FaultInjection\nmetadata:\n  name: chaos\nspec:\n"

    @Test("every field decodes, percentages default to 100, and -o yaml loads again to the same object")
    func decodeAndRoundTrip() throws {
        let report = loadManifests(Self.web + Self.head + """
              service: web
              match: {headers: {X-Chaos: "1"}, pathRegex: "/api/.*"}
              delay: {fixedDelay: 1500ms}
              abort: {httpStatus: 503, percentage: 12.5}
              expiresAt: "2026-12-06T10:00:00Z"

            """)
        #expect(report.diagnostics.map(\.description) == [])
        let fault = try #require(report.objects.last?.object.faultInjection)
        #expect(fault.spec.service == "web")
        #expect(fault.spec.match == HTTPRouteGroup.Match(name: "", pathRegex: "/api/.*", headers: ["x-chaos": "1"]))
        #expect(fault.spec.delay == FaultInjection.Delay(fixedDelay: .milliseconds(1500), percentage: 100))
        #expect(fault.spec.abort == FaultInjection.Abort(httpStatus: 503, percentage: 12.5))
        #expect(fault.spec.expiresAt == Date(timeIntervalSince1970: 1_796_551_200))
        let yaml = ManifestEncoder.yaml([.faultInjection(fault)])
        #expect(yaml.contains("fixedDelay: 1s500ms"))
        #expect(yaml.contains("expiresAt: \"2026-12-06T10:00:00Z\"") || yaml.contains("expiresAt: 2026-12-06T10:00:00Z"))
        let again = loadManifests(Self.web + yaml)
        #expect(again.diagnostics.map(\.description) == [])
        #expect(again.objects.last?.object == .faultInjection(fault))
    }

    @Test("percentage 150, status 99, a regex that does not compile, a bad time and an unknown service: each at its line")
    func badInput() {
        let text = Self.web + Self.head + """
              service: nosuch
              match: {pathRegex: "("}
              delay: {fixedDelay: 10ms, percentage: 150}
              abort: {httpStatus: 99}
              expiresAt: tomorrow

            """
        #expect(errors(text) == [
            #"m.yaml:15:22: error: spec.match.pathRegex: "(" is not a valid regular expression"#,
            "m.yaml:16:41: error: spec.delay.percentage: expected a number from 0 to 100, got 150",
            "m.yaml:17:23: error: spec.abort.httpStatus: expected a whole number from 200 to 599, got 99",
            #"m.yaml:18:14: error: spec.expiresAt: expected an RFC 3339 UTC time such as 2026-12-06T10:00:00Z, got "tomorrow""#,
        ])
        // Valid on its own, the reference is checked across the set.
        let unknown = errors(Self.web + Self.head + "  service: nosuch\n  abort: {httpStatus: 503}\n")
        #expect(unknown.count == 1)
        #expect(unknown.first?.hasPrefix("m.yaml:14:12: error: spec.service:") == true)
        #expect(errors(Self.web + Self.head + "  service: web\n") == [
            "m.yaml:14:3: error: spec: needs a delay, an abort, or both",
        ])
    }

    @Test("a gRPC abort: grpcStatus as a code or Istio's name, prints back; beside httpStatus, out of range or unknown: at its line")
    func grpcStatusAbort() throws {
        for written in ["14", "UNAVAILABLE"] {
            let report = loadManifests(Self.web + Self.head + "  service: web\n  abort: {grpcStatus: \(written), percentage: 5}\n")
            #expect(report.diagnostics.map(\.description) == [])
            let fault = try #require(report.objects.last?.object.faultInjection)
            #expect(fault.spec.abort == FaultInjection.Abort(grpcStatus: 14, percentage: 5))
            let again = loadManifests(Self.web + ManifestEncoder.yaml([.faultInjection(fault)]))
            #expect(again.objects.last?.object == .faultInjection(fault))
        }
        #expect(errors(Self.web + Self.head + "  service: web\n  abort: {grpcStatus: 17}\n") == [
            "m.yaml:15:23: error: spec.abort.grpcStatus: expected a whole number from 0 to 16, got 17",
        ])
        #expect(errors(Self.web + Self.head + "  service: web\n  abort: {grpcStatus: UNAVAILABEL}\n") == [
            #"m.yaml:15:23: error: spec.abort.grpcStatus: expected a gRPC status code 0–16 or its name (UNAVAILABLE, …), got "UNAVAILABEL""#,
        ])
        #expect(errors(Self.web + Self.head + "  service: web\n  abort: {httpStatus: 503, grpcStatus: 14}\n") == [
            "m.yaml:15:23: error: spec.abort.httpStatus: give httpStatus or grpcStatus, not both",
        ])
    }
}
