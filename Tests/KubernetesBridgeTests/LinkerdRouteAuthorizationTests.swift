@testable import KubernetesBridge
import Manifests
import Testing

/// ALLOW rules with methods or paths in Linkerd: an HTTPRoute of the target's Server per rule (every path × method),
/// an AuthorizationPolicy targeting it, and one catch-all route so requests outside every rule still meet the
/// Server's own authorizations. What a route cannot say exactly travels in a ConfigMap with a warning saying why.
@Suite struct LinkerdRouteAuthorizationTests {
    static func export(_ policies: String) -> KubernetesExport {
        let text = """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web}
            spec: {port: 8080, command: [web]}
            ---
            \(policies)
            """
        let report = ManifestSet.load(sources: [ManifestSet.Source(file: "m.yaml", bytes: Array(text.utf8))])
        #expect(report.isValid, "\(report.diagnostics)")
        return KubernetesExporter.export(report.objects, options: ExportOptions(mesh: .linkerd, rollouts: .flagger, split: .smi,
                                                                                  images: ImageMap(images: ["web": "r/web:1"])),
                                         read: { _ in Array(text.utf8) })
    }

    @Test func aRuleWithMethodsAndPathsIsARouteWithItsOwnPolicy() throws {
        let exported = Self.export("""
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: reads}
            spec:
              service: web
              rules:
              - from: [frontend]
                to: {methods: [GET], paths: ["/api/*", /healthz]}
            """)
        #expect(exported.errors.isEmpty, "\(exported.errors)")
        let route = try #require(exported.objects.first { $0.kind == "HTTPRoute" && $0.name == "reads" })
        #expect(route.apiVersion == "policy.linkerd.io/v1beta3")
        #expect(route.yaml.contains("""
            spec:
              parentRefs:
              - group: policy.linkerd.io
                kind: Server
                name: web
              rules:
              - matches:
                - path:
                    type: PathPrefix
                    value: /api/
                  method: GET
                - path:
                    type: Exact
                    value: /healthz
                  method: GET
            """), "\(route.yaml)")
        let policy = try #require(exported.objects.first { $0.kind == "AuthorizationPolicy" && $0.name == "reads" })
        #expect(policy.value.at("spec.targetRef.kind") == .string("HTTPRoute"))
        #expect(policy.value.at("spec.targetRef.name") == .string("reads"))
        let catchAll = try #require(exported.objects.first { $0.kind == "HTTPRoute" && $0.name == "web-any-request" })
        #expect(catchAll.value.at("spec")?["rules"]?.listValue.first?["matches"]?.listValue.first?.at("path.value") == .string("/"))
        #expect(exported.warnings.contains { $0.message.contains("/api/* is PathPrefix /api/") }, "\(exported.warnings)")
        #expect(!exported.objects.contains { $0.kind == "ConfigMap" })
    }

    @Test func overlappingRulesWithOtherCallersTravelInAConfigMap() {
        let exported = Self.export("""
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: overlap}
            spec:
              service: web
              rules:
              - from: [frontend]
                to: {paths: ["/api/*"]}
              - from: [admin]
                to: {methods: [POST], paths: [/api/orders]}
            """)
        #expect(exported.objects.contains { $0.kind == "ConfigMap" && $0.name == "meshctl-authorizationpolicy-overlap" })
        #expect(!exported.objects.contains { $0.kind == "HTTPRoute" })
        #expect(exported.warnings.contains { $0.message.contains("rule 0 and rule 1 can match one request with different callers") },
                "\(exported.warnings)")
    }

    @Test func aRouteOfAnotherPolicyCountsAsOtherCallers() {
        let exported = Self.export("""
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: a}
            spec: {service: web, rules: [{from: [frontend], to: {methods: [GET]}}]}
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: b}
            spec: {service: web, rules: [{from: [frontend], to: {paths: [/x]}}]}
            """)
        #expect(exported.objects.contains { $0.kind == "HTTPRoute" && $0.name == "a" })
        #expect(exported.objects.contains { $0.kind == "ConfigMap" && $0.name == "meshctl-authorizationpolicy-b" })
        #expect(exported.warnings.contains { $0.message.contains("HTTPRoute a and rule 0") }, "\(exported.warnings)")
    }

    @Test func aPrefixInsideASegmentOrAnUnknownMethodIsNotARoute() {
        for (name, to, reason) in [("mid", "{paths: [\"/ap*\"]}", "not inside a segment"),
                                   ("verb", "{methods: [PURGE]}", "not \"PURGE\"")] {
            let exported = Self.export("""
                apiVersion: mesh.meshctl.dev/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: \(name)}
                spec: {service: web, rules: [{from: [frontend], to: \(to)}]}
                """)
            #expect(exported.objects.contains { $0.kind == "ConfigMap" && $0.name == "meshctl-authorizationpolicy-\(name)" })
            #expect(exported.warnings.contains { $0.message.contains(reason) }, "\(exported.warnings)")
        }
    }

    @Test func matchesReadBackAsRulesAndOverlapAsGatewayAPISaysIt() {
        typealias Path = LinkerdRoutes.Path
        #expect(Path(meshctl: "/api/*") == .prefix("/api/"))
        #expect(Path(meshctl: "/ap*") == nil)
        #expect(Path.prefix("/api/").overlaps(.exact("/api")), "PathPrefix matches element-wise: /api/ covers /api")
        #expect(!Path.prefix("/api/").overlaps(.exact("/apis")))
        #expect(Path.prefix("/a/").overlaps(.prefix("/a/b/")))
        #expect(!Path.exact("/a").overlaps(.exact("/b")))
        // A foreign route that is not a path × method product becomes one rule per match.
        let foreign = [LinkerdRoutes.Match(path: .exact("/a"), method: "GET"), LinkerdRoutes.Match(path: .prefix("/b"), method: nil)]
        let rules = LinkerdRoutes.meshctlRules(foreign)
        #expect(rules.map(\.methods) == [["GET"], []])
        #expect(rules.map(\.paths) == [["/a"], ["/b", "/b/*"]])
    }
}
