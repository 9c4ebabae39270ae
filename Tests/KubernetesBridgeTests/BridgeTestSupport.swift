import Foundation
import KubernetesBridge
import Manifests
import Testing

/// The repository, the examples and the ways to load and export them.
enum BridgeFixtures {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let exampleNames = ["blue-green", "canary", "retries"]

    static func example(_ name: String) -> [LoadedObject] {
        let report = ManifestSet.load(paths: [repository.appendingPathComponent("examples/\(name)").path])
        #expect(report.isValid, "\(report.diagnostics)")
        return report.objects
    }

    /// Every Service with a command gets `registry.example.com/NAME:1`.
    static func images(for mesh: [LoadedObject]) -> ImageMap {
        var images: [String: String] = [:]
        for service in mesh.compactMap({ $0.object.service }) {
            if case .command = service.spec.workload { images[service.metadata.name] = "registry.example.com/\(service.metadata.name):1" }
        }
        return ImageMap(images: images, file: "images.yaml")
    }

    /// Every combination of mesh, rollout controller and split API.
    static var allOptions: [ExportOptions] {
        ExportOptions.Mesh.allCases.flatMap { mesh in
            ExportOptions.RolloutController.allCases.flatMap { rollouts in
                ExportOptions.SplitAPI.allCases.map { ExportOptions(mesh: mesh, rollouts: rollouts, split: $0) }
            }
        }
    }

    static func export(_ mesh: [LoadedObject], _ options: ExportOptions) -> KubernetesExport {
        var options = options
        if options.images.images.isEmpty { options.images = images(for: mesh) }
        return KubernetesExporter.export(mesh, options: options)
    }

    /// Objects sorted and printed in canonical form: equal text is what `meshctl diff` would call no change.
    static func canonical(_ objects: [ManifestObject]) -> String {
        ManifestEncoder.yaml(objects.sorted { ($0.kind, $0.name) < ($1.kind, $1.name) })
    }

    /// The exported object of a kind and name.
    static func object(_ export: KubernetesExport, _ kind: String, _ name: String) -> CanonicalValue? {
        export.objects.first { $0.kind == kind && $0.name == name }?.value
    }

    /// A mesh of `count` services: pairs of versions behind a split, every fourth pair rolled out by a canary, every
    /// eighth by blue-green, every third with a retry policy.
    static func generatedMesh(services count: Int) -> [LoadedObject] {
        var text = ""
        for pair in 0..<(count / 3) {
            let root = "svc\(pair)"
            let base = 20000 + pair * 3
            text += """
                apiVersion: mesh.meshctl.dev/v1alpha1
                kind: Service
                metadata: {name: \(root)}
                spec: {port: \(base)}
                ---
                apiVersion: mesh.meshctl.dev/v1alpha1
                kind: Service
                metadata: {name: \(root)-a, labels: {app: \(root), version: a}}
                spec:
                  port: \(base + 1)
                  command: [app, --version, a]
                  replicas: \(1 + pair % 3)
                  env: {MODE: fast}
                  healthCheck: {path: /healthz, interval: 2s, timeout: 1s}
                  outlierDetection: {consecutive5xxErrors: 4, baseEjectionTime: 20s}
                ---
                apiVersion: mesh.meshctl.dev/v1alpha1
                kind: Service
                metadata: {name: \(root)-b}
                spec: {port: \(base + 2), command: [app, --version, b]}
                ---
                apiVersion: split.smi-spec.io/v1alpha4
                kind: TrafficSplit
                metadata: {name: \(root)}
                spec:
                  service: \(root)
                  backends: [{service: \(root)-a, weight: \(100 - pair % 50)}, {service: \(root)-b, weight: \(pair % 50)}]
                ---

                """
            if pair % 3 == 0 {
                text += """
                    apiVersion: mesh.meshctl.dev/v1alpha1
                    kind: RetryPolicy
                    metadata: {name: \(root)}
                    spec: {service: \(root), attempts: 2, timeout: 3s, perTryTimeout: 1s}
                    ---

                    """
            }
            if pair % 8 == 0 {
                text += """
                    apiVersion: mesh.meshctl.dev/v1alpha1
                    kind: Rollout
                    metadata: {name: \(root)}
                    spec:
                      trafficSplit: \(root)
                      blueGreen: {activeService: \(root)-a, previewService: \(root)-b, autoPromotionSeconds: 30}
                    ---

                    """
            } else if pair % 4 == 0 {
                text += """
                    apiVersion: mesh.meshctl.dev/v1alpha1
                    kind: Rollout
                    metadata: {name: \(root)}
                    spec:
                      trafficSplit: \(root)
                      canary:
                        stableService: \(root)-a
                        canaryService: \(root)-b
                        stepWeight: 25
                        maxWeight: 75
                        analysis: {interval: 30s, threshold: 3}
                    ---

                    """
            }
        }
        let report = ManifestSet.load(sources: [ManifestSet.Source(file: "generated.yaml", bytes: Array(text.utf8))])
        #expect(report.isValid, "\(report.diagnostics.prefix(5))")
        return report.objects
    }
}
