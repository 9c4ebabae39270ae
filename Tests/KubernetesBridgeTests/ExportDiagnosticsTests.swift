import Foundation
import KubernetesBridge
import Manifests
import Testing

/// What does not map is said, at the meshctl field's file:line:column, never dropped silently; what cannot be
/// exported at all is an error.
@Suite struct ExportDiagnosticsTests {
    static let services = """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web}
        spec: {port: 8080}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web-v1}
        spec:
          port: 8081
          command: [web, --v1]
          loadBalancer: round-robin
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web-v2}
        spec:
          port: 8082
          command: [web, --v2]
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: TrafficSplit
        metadata: {name: web}
        spec:
          service: web
          backends: [{service: web-v1, weight: 100}, {service: web-v2, weight: 0}]

        """

    static let rollout = """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Rollout
        metadata: {name: web}
        spec:
          trafficSplit: web
          canary:
            stableService: web-v1
            canaryService: web-v2
            steps:
            - setWeight: 10
            - pause: {}
            analysis:
              metrics:
              - name: request-duration
                thresholdRange: {max: 300}
                percentile: 95
              webhooks:
              - {name: gate, type: confirm-promotion, url: "http://gate.example/ok"}

        """

    func export(_ options: ExportOptions, images: [String: String]) -> KubernetesExport {
        let files = ["services.yaml": Self.services, "rollout.yaml": Self.rollout]
        let report = ManifestSet.load(sources: files.keys.sorted().map {
            ManifestSet.Source(file: $0, bytes: Array(files[$0]!.utf8))
        })
        #expect(report.isValid, "\(report.diagnostics)")
        var options = options
        options.images = ImageMap(images: images, file: "images.yaml")
        return KubernetesExporter.export(report.objects, options: options, read: { files[$0].map { Array($0.utf8) } })
    }

    @Test func missingImageIsAnErrorAtTheCommand() {
        let export = export(ExportOptions(), images: ["web-v2": "registry.example.com/web:2"])
        #expect(export.errors.map(\.description) == [
            "services.yaml:11:12: error: spec.command: Service web-v1 has no image in the image map in images.yaml: add `web-v1: REGISTRY/IMAGE:TAG`",
        ])
        #expect(!export.objects.contains { $0.kind == "Deployment" && $0.name == "web-v1" })
    }

    @Test func flaggerLimitsAreWarningsAtTheirFields() {
        let export = export(ExportOptions(mesh: .linkerd, rollouts: .flagger), images: Self.allImages)
        let warnings = export.warnings.map(\.description)
        #expect(export.errors.isEmpty)
        #expect(warnings.contains { $0.hasPrefix("rollout.yaml:10:5: warning: spec.canary.steps: not enforced in the cluster: Flagger moves to the next weight") })
        #expect(warnings.contains { $0.hasPrefix("rollout.yaml:14:7: warning: spec.canary.analysis.metrics: not enforced in the cluster: Flagger's request-duration is the 99th percentile, not the 95th") })
        #expect(warnings.contains { $0.hasPrefix("services.yaml:12:17: warning: spec.loadBalancer: not enforced in the cluster: Linkerd always balances by peak EWMA") })
    }

    @Test func argoLimitsAreWarningsAtTheirFields() {
        let export = export(ExportOptions(mesh: .istio, rollouts: .argo), images: Self.allImages)
        let warnings = export.warnings.map(\.description)
        #expect(warnings.contains { $0.hasPrefix("rollout.yaml:18:7: warning: spec.canary.analysis.webhooks: not enforced in the cluster: Argo Rollouts has no webhooks") })
        // Istio has round robin: no warning for it.
        #expect(!warnings.contains { $0.contains("spec.loadBalancer") })
        // A pause without a duration waits for promotion in Argo too.
        let steps = export.objects.first { $0.kind == "Rollout" }?.yaml ?? ""
        #expect(steps.contains("- pause: {}"))
    }

    static let allImages = ["web-v1": "registry.example.com/web:1", "web-v2": "registry.example.com/web:2"]

    @Test func importSaysWhatItCannotRead() {
        let text = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              replicas: 2
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: web, image: "registry.example.com/web:1"}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec: {ports: [{port: 80}]}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings}
            data: {A: b}

            """
        let result = KubernetesImporter.importObjects([ManifestSet.Source(file: "k8s.yaml", bytes: Array(text.utf8))])
        #expect(result.errors.map(\.description).contains {
            $0.hasPrefix("k8s.yaml:1:1: error: spec.template.spec.containers[0].command: no command to run on this machine")
        })
        #expect(result.diagnostics.map(\.description).contains(
            "k8s.yaml:16:1: warning: ConfigMap/settings (v1) has no meshctl counterpart; not imported"))
    }

    @Test func aFaultInjectionIsNotExportedAndSaysSo() {
        let text = Self.services + """
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: FaultInjection
            metadata: {name: web-chaos}
            spec:
              service: web
              abort: {httpStatus: 503, percentage: 10}

            """
        let report = ManifestSet.load(sources: [ManifestSet.Source(file: "mesh.yaml", bytes: Array(text.utf8))])
        #expect(report.isValid, "\(report.diagnostics)")
        let export = KubernetesExporter.export(report.objects, options: ExportOptions(images: ImageMap(images: Self.allImages)),
                                               read: { $0 == "mesh.yaml" ? Array(text.utf8) : nil })
        #expect(export.warnings.map(\.description).contains(
            "mesh.yaml:32:3: warning: spec: FaultInjection is not exported (meshctl chaos sessions stay local)"))
        #expect(!export.objects.contains { $0.origin.name == "web-chaos" })
    }

    @Test func aRolloutOfAServiceWithoutCommandSaysItHasNoDeployment() {
        let text = Self.services.replacingOccurrences(of: "command: [web, --v2]", with: "endpoints: [\"10.0.0.9:80\"]")
            + "---\n" + Self.rollout
        let report = ManifestSet.load(sources: [ManifestSet.Source(file: "mesh.yaml", bytes: Array(text.utf8))])
        #expect(report.isValid, "\(report.diagnostics)")
        let export = KubernetesExporter.export(report.objects, options: ExportOptions(rollouts: .argo,
                                                                                      images: ImageMap(images: Self.allImages)),
                                               read: { $0 == "mesh.yaml" ? Array(text.utf8) : nil })
        #expect(export.warnings.map(\.description).contains(
            "mesh.yaml:35:20: warning: spec.canary.canaryService: web-v2 runs no command here, so it has no Deployment: Argo's workloadRef names one"),
            "\(export.warnings)")
    }

    @Test func imageMapErrorsNameTheEntry() {
        let (map, diagnostics) = ImageMap.load(bytes: Array("web: registry.example.com/web:1\napi: [a, b]\n".utf8),
                                              file: "images.yaml")
        #expect(map.images == ["web": "registry.example.com/web:1"])
        #expect(diagnostics.map(\.description) == ["images.yaml:2:6: error: api: expected an image reference (a string), got a list"])
    }
}
