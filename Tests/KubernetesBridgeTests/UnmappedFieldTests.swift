@testable import KubernetesBridge
import Manifests
import Testing

/// The safety net for meshctl fields and kinds added after the mapping was written: carried, warned about when
/// written, and back after import.
@Suite struct UnmappedFieldTests {
    static let text = """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: RetryPolicy
        metadata: {name: web}
        spec:
          service: web
          attempts: 4
          backoff: {base: 50ms}

        """

    static func context() -> (ExportContext, LoadedObject) {
        let report = ManifestSet.decode(sources: [ManifestSet.Source(file: "policy.yaml", bytes: Array(text.utf8))]).report
        let locator = SourceLocator(objects: report.objects, read: { $0 == "policy.yaml" ? Array(text.utf8) : nil })
        return (ExportContext(options: ExportOptions(), mesh: report.objects, locator: locator), report.objects[0])
    }

    @Test func aFieldTheMappingDoesNotKnowIsCarriedAndWarnedAbout() {
        var (context, loaded) = Self.context()
        var annotations: [String: String] = [:]
        // As if `attempts` and `backoff.base` had been added to meshctl after this mapping was written.
        let known = ExportContext.mappedFields[.retryPolicy]!.subtracting(["spec.attempts", "spec.backoff.base"])
        context.carryUnmappedFields(loaded, into: &annotations, known: known)
        #expect(annotations == ["meshctl.dev/spec.attempts": "4", "meshctl.dev/spec.backoff.base": "\"50ms\""])
        #expect(context.diagnostics.map(\.description) == [
            "policy.yaml:6:13: warning: spec.attempts: no Kubernetes mapping for this field yet; kept in annotation meshctl.dev/spec.attempts for meshctl import",
            "policy.yaml:7:19: warning: spec.backoff.base: no Kubernetes mapping for this field yet; kept in annotation meshctl.dev/spec.backoff.base for meshctl import",
        ])
    }

    @Test func everyFieldOfTodaysKindsIsMapped() {
        var (context, loaded) = Self.context()
        var annotations: [String: String] = [:]
        context.carryUnmappedFields(loaded, into: &annotations)
        #expect(annotations.isEmpty)
        #expect(context.diagnostics.isEmpty)
    }

    @Test func aKindWithoutMappingTravelsInAConfigMap() {
        var (context, loaded) = Self.context()
        context.exportAsConfigMap(loaded)
        #expect(context.objects.map(\.kind) == ["ConfigMap"])
        #expect(context.diagnostics.map(\.description).first?.hasPrefix("policy.yaml:2:7: warning: kind: RetryPolicy has no Kubernetes mapping") == true)
        let export = KubernetesExport(objects: context.objects, diagnostics: [])
        let imported = KubernetesImporter.importObjects([ManifestSet.Source(file: "k8s.yaml", bytes: Array(export.yaml.utf8))])
        #expect(imported.errors.isEmpty, "\(imported.errors)")
        #expect(imported.objects == [loaded.object])
    }
}
