import KubernetesBridge
import Manifests
import Testing

/// Identity settings through export and import: a Service's `spec.mtls` (no Kubernetes field: an annotation) and an
/// AuthorizationPolicy (no mapping yet: carried whole in a ConfigMap) come back exactly, with every mesh option.
@Suite struct AuthorizationRoundTripTests {
    static let manifests = """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web}
        spec: {port: 8080, command: [web], mtls: strict}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: web-callers}
        spec:
          service: web
          action: DENY
          rules:
          - from: [unauthenticated, "spiffe://meshctl.local/ns/default/sa/api-*"]
            to: {methods: [POST], paths: [/admin, "/debug/*"]}
          - {}

        """

    @Test(arguments: BridgeFixtures.allOptions)
    func policyAndModeSurvive(options: ExportOptions) {
        let report = ManifestSet.load(sources: [ManifestSet.Source(file: "mesh.yaml", bytes: Array(Self.manifests.utf8))])
        #expect(report.isValid, "\(report.diagnostics)")
        var options = options
        options.images = ImageMap(images: ["web": "r/web:1"])
        let exported = KubernetesExporter.export(report.objects, options: options,
                                                 read: { $0 == "mesh.yaml" ? Array(Self.manifests.utf8) : nil })
        #expect(exported.errors.isEmpty, "\(exported.errors)")
        let imported = KubernetesImporter.importObjects(exported.files.map {
            ManifestSet.Source(file: $0.name, bytes: Array($0.text.utf8))
        })
        #expect(imported.errors.isEmpty, "\(imported.errors)")
        #expect(BridgeFixtures.canonical(imported.objects) == BridgeFixtures.canonical(report.objects.map(\.object)))
    }
}
