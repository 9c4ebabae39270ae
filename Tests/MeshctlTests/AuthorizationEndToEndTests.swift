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

    /// A policy on a TrafficSplit's root is enforced by the sidecars of both backends: a caller it does not allow
    /// (the gateway) gets 403 whichever backend the 50/50 split picks; once allowed, both answer.
    @Test func aPolicyOnASplitRootIsEnforcedByEveryBackend() async throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let (port, v1, v2) = (OperatorHarness.freePort(), OperatorHarness.freePort(), OperatorHarness.freePort())
        func manifests(allow: String) -> String {
            """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web}
            spec: {port: \(port)}
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web-v1}
            spec: {port: \(v1), command: [meshctl, demo-app, --version, v1]}
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web-v2}
            spec: {port: \(v2), command: [meshctl, demo-app, --version, v2]}
            ---
            apiVersion: split.smi-spec.io/v1alpha4
            kind: TrafficSplit
            metadata: {name: web}
            spec:
              service: web
              backends: [{service: web-v1, weight: 50}, {service: web-v2, weight: 50}]
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: web-callers}
            spec:
              service: web
              rules:
              - from: [\(allow)]

            """
        }
        try harness.write("web.yaml", manifests(allow: "frontend"))
        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 0, "\(apply.stderr)")
        // Both backends' direct ports (through the gateway) answer 403 once their sidecars are up.
        #expect(harness.eventually(40) { [v1, v2].allSatisfy { LoopbackGet.get(port: $0)?.status == 403 } })
        let answers = (0..<40).compactMap { _ in LoopbackGet.get(port: port, host: "web") }
        #expect(answers.count == 40)
        #expect(answers.allSatisfy { $0.status == 403 && $0.body.contains("no AuthorizationPolicy allows spiffe://meshctl.local/ns/default/sa/gateway") },
                "\(answers.filter { $0.status != 403 }.prefix(3))")

        try harness.write("web.yaml", manifests(allow: "frontend, gateway"))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(harness.eventually(20) { [v1, v2].allSatisfy { LoopbackGet.get(port: $0)?.status == 200 } })
        let allowed = (0..<40).compactMap { _ in LoopbackGet.get(port: port, host: "web") }
        #expect(allowed.allSatisfy { $0.status == 200 }, "\(allowed.filter { $0.status != 200 }.prefix(3))")
        // Both backends answered through the split, so both sidecars had let the gateway through.
        #expect(Set(allowed.map(\.body)) == ["hello from v1\n", "hello from v2\n"])
    }
}
