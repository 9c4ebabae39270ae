import Foundation
import Testing

@testable import Manifests

/// The AuthorizationPolicy kind: a target Service, rules from callers to methods and paths, ALLOW or DENY; bad input
/// at its line; the target is a reference like any other (validate, delete).
@Suite("AuthorizationPolicy manifests")
struct AuthorizationPolicyManifestTests {
    static let web = "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: Service\nmetadata: {name: web}\nspec: {port: 8080, command: [app]}\n---\n"
    static let head = "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: AuthorizationPolicy\nmetadata:\n  name: web-callers\nspec:\n"

    @Test("every field decodes, action defaults to ALLOW, and -o yaml loads again to the same object")
    func decodeAndRoundTrip() throws {
        let report = loadManifests(Self.web + Self.head + """
              service: web
              rules:
              - from: [frontend, "api-*", "spiffe://meshctl.local/ns/default/sa/gateway"]
                to: {methods: [GET, HEAD], paths: [/healthz, "/api/*"]}
              - from: [unauthenticated]
                to: {paths: [/public/*]}
              - to: {methods: [OPTIONS]}

            """)
        #expect(report.diagnostics.map(\.description) == [])
        let policy = try #require(report.objects.last?.object.authorizationPolicy)
        #expect(policy.spec.service == "web")
        #expect(policy.spec.action == .allow)
        #expect(policy.spec.rules == [
            .init(from: ["frontend", "api-*", "spiffe://meshctl.local/ns/default/sa/gateway"], methods: ["GET", "HEAD"],
                  paths: ["/healthz", "/api/*"]),
            .init(from: ["unauthenticated"], paths: ["/public/*"]),
            .init(methods: ["OPTIONS"]),
        ])
        let yaml = ManifestEncoder.yaml([.authorizationPolicy(policy)])
        #expect(yaml.contains("action: ALLOW"))
        let again = loadManifests(Self.web + yaml)
        #expect(again.diagnostics.map(\.description) == [])
        #expect(again.objects.last?.object == .authorizationPolicy(policy))

        // DENY with no rules (matches nothing) and ALLOW with no rules (Istio's allow-nothing) both load.
        let deny = loadManifests(Self.web + Self.head + "  service: web\n  action: DENY\n")
        #expect(deny.diagnostics.map(\.description) == [])
        #expect(deny.objects.last?.object.authorizationPolicy?.spec == .init(service: "web", action: .deny))
    }

    @Test("a bad action, caller, method and path, an empty list and an unknown field: every error at its line")
    func badInput() {
        let text = Self.web + Self.head + """
              service: web
              action: allow
              rules:
              - from: [Frontend, "spiffe://", unauthenticated]
                to: {methods: [get], paths: [api, "/a*b"], ports: [80]}
              - from: []

            """
        #expect(errors(text) == [
            #"m.yaml:12:11: error: spec.action: unknown value "allow", expected one of "ALLOW", "DENY""#,
            #"m.yaml:14:12: error: spec.rules[0].from[0]: expected a service name (lower-case, * wildcards allowed), a spiffe:// ID, or unauthenticated, got "Frontend""#,
            #"m.yaml:14:22: error: spec.rules[0].from[1]: expected a SPIFFE ID such as spiffe://meshctl.local/ns/default/sa/web, got "spiffe://""#,
            #"m.yaml:15:20: error: spec.rules[0].to.methods[0]: expected an HTTP method in upper case such as GET, got "get""#,
            #"m.yaml:15:34: error: spec.rules[0].to.paths[0]: expected a path starting with /, got "api""#,
            #"m.yaml:15:39: error: spec.rules[0].to.paths[1]: * may only end a path (a prefix match such as /api/*), got "/a*b""#,
            #"m.yaml:15:48: error: spec.rules[0].to.ports: unknown field "ports""#,
            "m.yaml:16:11: error: spec.rules[1].from: must not be empty (leave from out to match every caller)",
        ])
    }

    @Test("the target Service must exist, here or in the store; deleting it is refused naming the policy")
    func targetIsAReference() {
        let unknown = errors(Self.web + Self.head + "  service: nosuch\n")
        #expect(unknown.count == 1)
        #expect(unknown.first?.hasPrefix("m.yaml:11:12: error: spec.service:") == true, "\(unknown)")

        let stored = MeshValidationTests.stored([("mesh.yaml", Self.web + Self.head + "  service: web\n")])
        let removed: Set<ObjectKey> = [ObjectKey(kind: .service, name: "web")]
        #expect(MeshValidator.refusals(removed: removed, remaining: stored.map(\.object)) == [
            "cannot delete service/web: still referred to by authorizationpolicy/web-callers (spec.service); "
                + "delete or change them first, or delete with --cascade"
        ])
    }

    @Test("a split root is a target when every backend runs replicas; a service serving nothing of its own is not")
    func splitRootTarget() {
        let split = """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: shop}
            spec: {port: 8090}
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: shop-v1}
            spec: {port: 8091, command: [app]}
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: shop-v2}
            spec: {port: 8092, BACKEND}
            ---
            apiVersion: split.smi-spec.io/v1alpha4
            kind: TrafficSplit
            metadata: {name: shop}
            spec:
              service: shop
              backends: [{service: shop-v1, weight: 50}, {service: shop-v2, weight: 50}]
            ---

            """
        let policy = Self.head + "  service: shop\n"
        #expect(errors(split.replacingOccurrences(of: "BACKEND", with: "command: [app]") + policy) == [])
        #expect(errors(split.replacingOccurrences(of: "BACKEND", with: "endpoints: [127.0.0.1:9000]") + policy) == [
            #"m.yaml:28:12: error: spec.service: service "shop" sends requests to "shop-v2", which runs no replicas of its own (no command), so no sidecar would enforce this policy there"#
        ])
        let staticOnly = "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: Service\nmetadata: {name: ext}\nspec: {port: 8093, endpoints: [127.0.0.1:9000]}\n---\n"
        #expect(errors(staticOnly + Self.head + "  service: ext\n") == [
            #"m.yaml:11:12: error: spec.service: service "ext" runs no replicas of its own (no command) and is neither the root of a TrafficSplit nor the parent of an HTTPRoute, so no sidecar would enforce this policy"#
        ])
    }
}
