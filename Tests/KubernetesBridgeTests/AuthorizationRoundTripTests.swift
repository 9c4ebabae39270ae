import KubernetesBridge
import Manifests
import Testing

/// Identity settings through export and import: a Service's `spec.mtls` (no Kubernetes field: an annotation) and
/// AuthorizationPolicies come back exactly, with every mesh option. Istio gets `security.istio.io/v1`
/// AuthorizationPolicies; Linkerd a Server, AuthorizationPolicies and MeshTLS/NetworkAuthentications for what it can
/// say (ALLOW; methods and paths through HTTPRoutes of the Server), and a ConfigMap, with a warning, for what it
/// cannot (DENY).
@Suite struct AuthorizationRoundTripTests {
    static let manifests = """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web}
        spec: {port: 8080, command: [web], mtls: strict}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: frontend}
        spec: {port: 8081, command: [frontend]}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: web-callers, labels: {team: shop}}
        spec:
          service: web
          rules:
          - from: [frontend, gateway]
          - {}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: web-admin}
        spec:
          service: web
          action: DENY
          rules:
          - from: [unauthenticated, "spiffe://meshctl.local/ns/default/sa/api-*", "spiffe://cluster.local/ns/default/sa/ops"]
            to: {methods: [POST], paths: [/admin, "/debug/*"]}
          - {}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: web-api}
        spec:
          service: web
          rules:
          - from: [frontend]
            to: {methods: [GET, HEAD], paths: ["/api/*", /healthz]}
          - from: ["*"]
            to: {methods: [POST], paths: [/orders]}
          - to: {methods: [DELETE]}

        """

    static func export(_ options: ExportOptions) -> KubernetesExport {
        let report = ManifestSet.load(sources: [ManifestSet.Source(file: "mesh.yaml", bytes: Array(manifests.utf8))])
        #expect(report.isValid, "\(report.diagnostics)")
        var options = options
        options.images = ImageMap(images: ["web": "r/web:1", "frontend": "r/frontend:1"])
        return KubernetesExporter.export(report.objects, options: options,
                                         read: { $0 == "mesh.yaml" ? Array(manifests.utf8) : nil })
    }

    @Test(arguments: BridgeFixtures.allOptions)
    func policyAndModeSurvive(options: ExportOptions) {
        let exported = Self.export(options)
        #expect(exported.errors.isEmpty, "\(exported.errors)")
        let imported = KubernetesImporter.importObjects(exported.files.map {
            ManifestSet.Source(file: $0.name, bytes: Array($0.text.utf8))
        })
        #expect(imported.errors.isEmpty, "\(imported.errors)")
        let report = ManifestSet.load(sources: [ManifestSet.Source(file: "mesh.yaml", bytes: Array(Self.manifests.utf8))])
        #expect(BridgeFixtures.canonical(imported.objects) == BridgeFixtures.canonical(report.objects.map(\.object)))
        // No mapped kind is left unread on the way back.
        #expect(!imported.diagnostics.contains { $0.message.contains("no meshctl counterpart") }, "\(imported.diagnostics)")
    }

    @Test func istioGetsSecurityAuthorizationPolicies() throws {
        let exported = Self.export(ExportOptions(mesh: .istio, rollouts: .flagger, split: .gateway))
        let kinds = exported.objects.map { "\($0.apiVersion) \($0.kind) \($0.name)" }
        #expect(kinds.contains("security.istio.io/v1 AuthorizationPolicy web-callers"), "\(kinds)")
        #expect(kinds.contains("security.istio.io/v1 AuthorizationPolicy web-admin"), "\(kinds)")
        #expect(kinds.contains("v1 ServiceAccount frontend") && kinds.contains("v1 ServiceAccount web"), "\(kinds)")
        #expect(!kinds.contains { $0.contains("ConfigMap") }, "\(kinds)")
        let deployment = try #require(exported.objects.first { $0.kind == "Deployment" && $0.name == "web" })
        #expect(deployment.yaml.contains("serviceAccountName: web"), "\(deployment.yaml)")
        let admin = try #require(exported.objects.first { $0.kind == "AuthorizationPolicy" && $0.name == "web-admin" })
        #expect(admin.yaml.contains("""
            spec:
              selector:
                matchLabels:
                  meshctl.dev/service: web
              action: DENY
              rules:
              - from:
                - source:
                    principals:
                    - "meshctl.local/ns/default/sa/api-*"
                    - cluster.local/ns/default/sa/ops
                - source:
                    notPrincipals:
                    - "*"
                to:
                - operation:
                    methods:
                    - POST
                    paths:
                    - /admin
                    - "/debug/*"
              - {}
            """), "\(admin.yaml)")
        // The SPIFFE ID that would read back as a bare name keeps its spelling in an annotation.
        #expect(admin.yaml.contains("meshctl.dev/spec.rules"), "\(admin.yaml)")
        let callers = try #require(exported.objects.first { $0.kind == "AuthorizationPolicy" && $0.name == "web-callers" })
        #expect(callers.yaml.contains("- cluster.local/ns/default/sa/frontend"), "\(callers.yaml)")
        let warnings = exported.warnings.map(\.description)
        #expect(warnings.contains { $0.contains("spiffe://meshctl.local/ns/default/sa/api-* keeps its trust domain") }, "\(warnings)")
        #expect(warnings.contains { $0.contains("\"gateway\" is meshctl's ingress") }, "\(warnings)")
    }

    @Test func linkerdGetsServerAndAuthorizationsOrAConfigMapSayingWhy() throws {
        let exported = Self.export(ExportOptions(mesh: .linkerd, rollouts: .flagger, split: .gateway))
        let kinds = exported.objects.map { "\($0.kind) \($0.name)" }.filter { !$0.hasPrefix("Deployment") && !$0.hasPrefix("Service ") }
        #expect(kinds.sorted() == [
            "AuthorizationPolicy web-api-0", "AuthorizationPolicy web-api-1", "AuthorizationPolicy web-api-2",
            "AuthorizationPolicy web-callers-0", "AuthorizationPolicy web-callers-1", "ConfigMap meshctl-authorizationpolicy-web-admin",
            "HTTPRoute web-any-request", "HTTPRoute web-api-0", "HTTPRoute web-api-1", "HTTPRoute web-api-2",
            "MeshTLSAuthentication web-api-0", "MeshTLSAuthentication web-api-1", "MeshTLSAuthentication web-callers-0",
            "NetworkAuthentication web-api-2", "NetworkAuthentication web-callers-1", "Server web",
            "ServiceAccount frontend", "ServiceAccount web",
        ], "\(kinds)")
        let identities = try #require(exported.objects.first { $0.kind == "MeshTLSAuthentication" })
        #expect(identities.yaml.contains("- frontend.default.serviceaccount.identity.linkerd.cluster.local"), "\(identities.yaml)")
        let warnings = exported.warnings.map(\.description)
        #expect(warnings.contains { $0.contains("not mapped: Linkerd has no DENY authorization; carried as ConfigMap meshctl-authorizationpolicy-web-admin") }, "\(warnings)")
    }

    @Test func aPolicyOnASplitRootTravelsInAConfigMap() {
        let text = """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: shop}
            spec: {port: 8090}
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: shop-v1}
            spec: {port: 8091, command: [shop]}
            ---
            apiVersion: split.smi-spec.io/v1alpha4
            kind: TrafficSplit
            metadata: {name: shop}
            spec: {service: shop, backends: [{service: shop-v1, weight: 100}]}
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: shop-callers}
            spec: {service: shop, rules: [{from: [frontend]}]}

            """
        let report = ManifestSet.load(sources: [ManifestSet.Source(file: "m.yaml", bytes: Array(text.utf8))])
        #expect(report.isValid, "\(report.diagnostics)")
        for mesh in ExportOptions.Mesh.allCases {
            let exported = KubernetesExporter.export(report.objects, options: ExportOptions(mesh: mesh, rollouts: .flagger, split: .gateway),
                                                     read: { _ in Array(text.utf8) })
            #expect(exported.objects.contains { $0.kind == "ConfigMap" && $0.name == "meshctl-authorizationpolicy-shop-callers" })
            #expect(exported.warnings.contains { $0.message.contains("shop is the root of a split or route") }, "\(exported.warnings)")
        }
    }
}
