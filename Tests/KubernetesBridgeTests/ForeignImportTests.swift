import KubernetesBridge
import Manifests
import Testing

/// Objects meshctl did not write: read as far as meshctl has a counterpart, the rest said, never guessed.
@Suite struct ForeignImportTests {
    static let text = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web-split}
        spec:
          parentRefs: [{group: "", kind: Service, name: web, port: 80}]
          rules:
          - matches: [{headers: [{name: user-agent, type: RegularExpression, value: ".*Firefox.*"}]}]
            backendRefs: [{name: web-v2, port: 80}]
          - backendRefs: [{name: web-v1, port: 80, weight: 90}, {name: web-v2, port: 80, weight: 10}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: ingress}
        spec:
          parentRefs: [{name: public-gateway}]
          rules: [{backendRefs: [{name: web, port: 80}]}]
        ---
        apiVersion: split.smi-spec.io/v1alpha1
        kind: TrafficSplit
        metadata: {name: web-quantity}
        spec:
          service: web
          backends: [{service: web-v1, weight: 900m}, {service: web-v2, weight: 100m}]
        ---
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata: {name: podinfo}
        spec:
          targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
          service: {port: 9898}
          analysis: {interval: 30s, threshold: 5, maxWeight: 50, stepWeight: 10}

        """

    @Test func readsWhatMapsAndSaysWhatDoesNot() {
        let result = KubernetesImporter.importObjects([ManifestSet.Source(file: "k8s.yaml", bytes: Array(Self.text.utf8))])
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.diagnostics.map(\.description) == [
            "k8s.yaml:1:1: warning: only the last of the 2 rules (its weighted backendRefs) is imported; a TrafficSplit has one",
            "k8s.yaml:11:1: warning: HTTPRoute/ingress is not attached to a Service (a mesh route); not imported",
        ])
        let splits = result.objects.compactMap(\.trafficSplit)
        #expect(splits.map(\.metadata.name) == ["web-split", "web-quantity"])
        #expect(splits[0].spec.backends.map(\.weight) == [90, 10])
        #expect(splits[1].apiVersion == "split.smi-spec.io/v1alpha1")
        #expect(splits[1].spec.backends.map(\.weight) == [900, 100])
        let rollout = result.objects.compactMap(\.rollout).first
        #expect(rollout?.spec.trafficSplit == "podinfo", "Flagger routes the Service named after its target")
        #expect(rollout?.spec.stableService == "podinfo-primary")
        if case .canary(let canary) = rollout?.spec.strategy {
            #expect(canary.progression == .linear(stepWeight: 10, maxWeight: 50))
            #expect(canary.analysis.threshold == 5)
        } else {
            Issue.record("expected a canary")
        }
    }
}
