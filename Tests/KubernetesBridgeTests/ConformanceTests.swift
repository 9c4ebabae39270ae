import Foundation
import KubernetesBridge
import Manifests
import Testing

/// What export writes is accepted by a cluster with the upstream CRDs: every example under every target, and a
/// mesh of the features the examples do not use, AuthorizationPolicies, and a generated 200-service mesh, validate
/// with zero errors.
@Suite struct ConformanceTests {
    @Test func everyExportValidates() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("k8s-export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var written = 0
        func write(_ export: KubernetesExport, into folder: String) throws {
            #expect(export.errors.isEmpty, "\(export.errors)")
            let directory = root.appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for file in export.files {
                try Data(file.text.utf8).write(to: directory.appendingPathComponent(file.name))
            }
            written += export.objects.count
        }
        for name in BridgeFixtures.exampleNames {
            let mesh = BridgeFixtures.example(name)
            for options in BridgeFixtures.allOptions {
                var options = options
                options.namespace = "shop"
                try write(BridgeFixtures.export(mesh, options), into: "\(name)-\(options.testDescription.replacingOccurrences(of: "/", with: "-"))")
            }
        }
        for options in BridgeFixtures.allOptions {
            try write(RoundTripEdgeTests.export(options).export, into: "edge-\(options.testDescription.replacingOccurrences(of: "/", with: "-"))")
            // Istio's security AuthorizationPolicy, Linkerd's Server / AuthorizationPolicy / authentications.
            try write(AuthorizationRoundTripTests.export(options), into: "authz-\(options.testDescription.replacingOccurrences(of: "/", with: "-"))")
            // Readiness probes and HorizontalPodAutoscalers (autoscaling/v2).
            try write(ScalingRoundTripTests.export(options), into: "scaling-\(options.testDescription.replacingOccurrences(of: "/", with: "-"))")
        }
        let generated = BridgeFixtures.generatedMesh(services: 200)
        try write(BridgeFixtures.export(generated, ExportOptions(mesh: .istio, rollouts: .argo, split: .gateway)), into: "generated-istio")
        try write(BridgeFixtures.export(generated, ExportOptions(mesh: .linkerd, rollouts: .flagger, split: .smi)), into: "generated-linkerd")
        guard let result = try ConformanceValidator.validate(root.path) else { return }
        #expect(result.status == 0, "\(result.output.split(separator: "\n").prefix(40).joined(separator: "\n"))")
        #expect(result.output.contains("\(written) objects valid, 0 invalid"), "\(result.output.suffix(2000))")
    }
}
