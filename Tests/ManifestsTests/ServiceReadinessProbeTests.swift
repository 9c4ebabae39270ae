import Testing

@testable import Manifests

/// `spec.readinessProbe` of a Service: Kubernetes' fields and defaults, printed back, and bad values at their line.
@Suite("Service readinessProbe")
struct ServiceReadinessProbeTests {
    static let head = "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: Service\nmetadata:\n  name: web\nspec:\n  port: 8080\n"

    private func service(_ text: String) throws -> Service {
        let report = loadManifests(text)
        #expect(report.diagnostics.map(\.description) == [])
        guard case .service(let service) = try #require(report.objects.last?.object) else {
            throw ProbeTestError.notAService
        }
        return service
    }

    private enum ProbeTestError: Error { case notAService }

    @Test("httpGet with Kubernetes' defaults; -o yaml prints every field and loads again to the same object")
    func httpGetDefaultsAndRoundTrip() throws {
        let service = try service(Self.head + "  command: [srv]\n  readinessProbe: {httpGet: {path: /ready}}\n")
        let probe = try #require(service.spec.workload.commandValue?.readinessProbe)
        #expect(probe == Service.ReadinessProbe(action: .httpGet(path: "/ready", port: nil), initialDelaySeconds: 0,
                                                periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1,
                                                failureThreshold: 3))
        let yaml = ManifestEncoder.yaml([.service(service)])
        #expect(yaml.contains("readinessProbe:\n    httpGet:\n      path: /ready\n    initialDelaySeconds: 0\n"), "\(yaml)")
        #expect(loadManifests(yaml).objects.map(\.object) == [.service(service)])
    }

    @Test("exec with every field written")
    func execProbe() throws {
        let service = try service(Self.head + """
              command: [srv]
              readinessProbe:
                exec: {command: [test, -f, /tmp/ready]}
                initialDelaySeconds: 2
                periodSeconds: 1
                timeoutSeconds: 1
                successThreshold: 2
                failureThreshold: 1

            """)
        #expect(service.spec.workload.commandValue?.readinessProbe == Service.ReadinessProbe(
            action: .exec(["test", "-f", "/tmp/ready"]), initialDelaySeconds: 2, periodSeconds: 1, timeoutSeconds: 1,
            successThreshold: 2, failureThreshold: 1))
        let yaml = ManifestEncoder.yaml([.service(service)])
        #expect(loadManifests(yaml).objects.map(\.object) == [.service(service)])
    }

    @Test("no action, both actions, a bad path, port, period, timeout and threshold, and a probe on endpoints: every error at its line")
    func badInput() {
        #expect(errors(Self.head + "  command: [srv]\n  readinessProbe: {periodSeconds: 0}\n") == [
            "m.yaml:8:19: error: spec.readinessProbe: needs httpGet (path, port) or exec (command)",
            "m.yaml:8:35: error: spec.readinessProbe.periodSeconds: expected a whole number from 1 to 3600, got 0",
        ])
        #expect(errors(Self.head + """
              command: [srv]
              readinessProbe:
                httpGet: {path: ready, port: 70000}
                exec: {command: [true]}
                periodSeconds: 2
                timeoutSeconds: 5
                failureThreshold: 0

            """) == [
            #"m.yaml:9:21: error: spec.readinessProbe.httpGet.path: must start with "/""#,
            "m.yaml:9:34: error: spec.readinessProbe.httpGet.port: expected a whole number from 1 to 65535, got 70000",
            "m.yaml:10:11: error: spec.readinessProbe.exec: a probe has either httpGet or exec, not both",
            "m.yaml:12:21: error: spec.readinessProbe.timeoutSeconds: must not be longer than periodSeconds",
            "m.yaml:13:23: error: spec.readinessProbe.failureThreshold: expected a whole number from 1 to 100, got 0",
        ])
        #expect(errors(Self.head + "  command: [srv]\n  readinessProbe: {exec: {command: []}}\n") == [
            "m.yaml:8:26: error: spec.readinessProbe.exec.command: must name a program to run",
        ])
        #expect(errors(Self.head + "  endpoints: [\"127.0.0.1:9\"]\n  readinessProbe: {httpGet: {path: /}}\n") == [
            "m.yaml:8:19: error: spec.readinessProbe: only allowed together with command",
        ])
    }
}
