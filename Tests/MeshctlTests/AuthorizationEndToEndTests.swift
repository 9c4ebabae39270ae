import Foundation
import OperatorAPI
import Testing

/// AuthorizationPolicy and `spec.mtls` through a real operator: the policy reaches the target's sidecar, changes to
/// it are hot (a request loop sees no failure across them), a strict service refuses plaintext, and the target
/// cannot be deleted from under a policy.
@Suite("authorization end to end", .serialized)
struct AuthorizationEndToEndTests {
    static func manifests(port: Int, allow: [String], denyPrivate: Bool) -> String {
        var text = """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web}
            spec:
              port: \(port)
              command: [meshctl, demo-app, --version, v1]
              mtls: strict
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: web-callers}
            spec:
              service: web
              rules:
              - from: [\(allow.map { "\"\($0)\"" }.joined(separator: ", "))]

            """
        if denyPrivate {
            text += """
                ---
                apiVersion: mesh.meshctl.dev/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: no-private}
                spec:
                  service: web
                  action: DENY
                  rules:
                  - to: {paths: ["/private*"]}

                """
        }
        return text
    }

    @Test func policiesAreEnforcedByTheTargetsSidecarAndChangeWithoutAFailure() async throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let port = OperatorHarness.freePort()
        // Only `frontend` may call: requests through the gateway (identity `gateway`) are refused by web's sidecar.
        try harness.write("web.yaml", Self.manifests(port: port, allow: ["frontend"], denyPrivate: false))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(harness.eventually(40) { LoopbackGet.get(port: port)?.status == 403 })
        let refused = try #require(LoopbackGet.get(port: port))
        #expect(refused.body.contains("no AuthorizationPolicy allows spiffe://meshctl.local/ns/default/sa/gateway"), "\(refused.body)")

        // Allow the gateway; then, under a request loop, add a DENY policy and change the ALLOW one twice.
        try harness.write("web.yaml", Self.manifests(port: port, allow: ["frontend", "gateway"], denyPrivate: false))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(harness.eventually(20) { LoopbackGet.get(port: port)?.status == 200 })
        let loop = RequestLoop(port: port, host: "web")
        loop.start()
        for (allow, deny) in [(["gateway"], true), (["gate*", "frontend"], true), (["*"], false)] {
            try await Task.sleep(for: .seconds(1))
            try harness.write("web.yaml", Self.manifests(port: port, allow: allow, denyPrivate: deny))
            #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
            if deny { #expect(harness.eventually(20) { LoopbackGet.get(port: port, path: "/private/x")?.status == 403 }) }
        }
        try await Task.sleep(for: .seconds(1))
        // The last apply no longer lists the DENY policy, but apply does not prune: delete it by its kind's alias.
        #expect(try harness.meshctl(["delete", "authz", "no-private"]).status == 0)
        loop.stop()
        #expect(loop.counts.failed == 0, "\(loop.counts.failures)")
        #expect(loop.counts.ok > 20)
        #expect(harness.eventually(20) { LoopbackGet.get(port: port, path: "/private/x")?.status == 200 })

        // strict: a plaintext client straight to the replica's inbound port gets nothing.
        let inbound = try #require(try await IdentityRotationEndToEndTests.sidecarInboundPort(harness))
        #expect(LoopbackGet.get(port: inbound) == nil)

        // The policy names web: deleting web alone is refused, naming it.
        let delete = try harness.meshctl(["delete", "service", "web"])
        #expect(delete.status != 0)
        #expect(delete.stderr.contains("authorizationpolicy/web-callers"), "\(delete.stderr)")
    }
}
