import Foundation
import Testing

@testable import Manifests

/// `spec.upstreams`: the services a Service's workloads call, checked like every other reference.
@Suite("Service upstreams")
struct ServiceUpstreamsManifestTests {
    static func caller(_ upstreams: String, command: Bool = true) -> String {
        """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: caller}
        spec:
          port: 90
        \(command ? "  command: [meshctl, demo-app]" : "  endpoints: [\"127.0.0.1:9090\"]")
          upstreams: \(upstreams)

        """
    }

    /// `web` split over `web-v1` and `web-v2`: 36 lines, so the caller's `upstreams` is on line 43.
    static let mesh = CrossValidationTests.base + CrossValidationTests.split("web", root: "web", [("web-v1", 9), ("web-v2", 1)])

    @Test func declaredUpstreamsLoadAndSurviveTheStore() throws {
        let report = loadManifests(Self.mesh + Self.caller("[web, web-v1]"))
        #expect(report.diagnostics == [])
        let service = try #require(report.objects.compactMap { object -> Service? in
            if case .service(let service) = object.object, service.metadata.name == "caller" { return service }
            return nil
        }.first)
        #expect(service.spec.upstreams == ["web", "web-v1"])
        #expect(ManifestEncoder.yaml([.service(service)]).contains("upstreams:"))
        let stored = MeshValidationTests.stored([("m.yaml", Self.mesh + Self.caller("[]"))])
        let none = stored.compactMap { object -> Service? in
            if case .service(let service) = object.object, service.metadata.name == "caller" { return service }
            return nil
        }.first
        #expect(none?.spec.upstreams == [])  // declared empty: calls nothing, not "everything"
    }

    @Test func everyBadUpstreamIsReportedAtItsPlace() {
        #expect(errors(Self.mesh + Self.caller("[web, Bad_Name, web]")) == [
            #"m.yaml:43:20: error: spec.upstreams[1]: "Bad_Name" is not a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)"#,
            #"m.yaml:43:30: error: spec.upstreams[2]: service "web" is listed twice"#,
        ])
        #expect(errors(Self.mesh + Self.caller("[web, wbe]")) == [
            #"m.yaml:43:20: error: spec.upstreams[1]: service "wbe" is not defined in this apply set, did you mean "web"?"#,
        ])
        #expect(errors(Self.mesh + Self.caller("[web]", command: false)) == [
            #"m.yaml:43:14: error: spec.upstreams: only allowed together with command: it scopes what the replicas' sidecars route to"#,
        ])
        #expect(errors(Self.mesh + Self.caller("web")).first?.contains("spec.upstreams: expected a list") == true)
    }

    @Test("deleting a declared upstream is refused, naming the caller; --cascade never deletes the caller")
    func deletingAnUpstreamNamesTheCaller() {
        let stored = MeshValidationTests.stored([("m.yaml", Self.mesh + serviceYAML("db", port: 83) + Self.caller("[db]"))])
        let removed: Set<ObjectKey> = [ObjectKey(kind: .service, name: "db")]
        #expect(MeshValidator.refusals(removed: removed, remaining: stored.map(\.object)) == [
            "cannot delete service/db: still referred to by service/caller (spec.upstreams[0]); "
                + "remove it from their spec.upstreams first"
        ])
        #expect(MeshReferences.cascade(removed, in: stored.map(\.object)) == removed)
    }
}
