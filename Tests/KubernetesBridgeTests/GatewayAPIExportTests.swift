import Foundation
@testable import KubernetesBridge
import Manifests
import Testing

/// meshctl's Gateway API objects export as themselves, and a Rollout that names an HTTPRoute exports as Argo Rollouts'
/// Gateway API plugin shape (`trafficRouting.plugins["argoproj-labs/gatewayAPI"]: {httpRoute, namespace}`): valid
/// against the upstream CRDs, and imported back to the same mesh.
@Suite struct GatewayAPIExportTests {
    static let manifests = """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: shop, namespace: shop}
        spec: {port: 8080}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: shop-v1, namespace: shop}
        spec: {port: 8081, command: [shop, v1]}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: shop-v2, namespace: shop}
        spec: {port: 8082, command: [shop, v2]}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: blog, namespace: shop}
        spec: {port: 8083, command: [blog]}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: shop, namespace: shop}
        spec:
          parentRefs: [{name: shop, port: 80}]
          rules:
          - matches: [{path: {type: PathPrefix, value: /api}}]
            backendRefs: [{name: shop-v1, port: 80, weight: 100}, {name: shop-v2, port: 80, weight: 0}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: meshctl, namespace: shop}
        spec: {controllerName: example.com/meshctl-gateway}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: public, namespace: shop}
        spec:
          gatewayClassName: meshctl
          listeners: [{name: http, protocol: HTTP, port: 9080, hostname: "*.example.com"}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: blog, namespace: shop}
        spec:
          parentRefs: [{name: public, sectionName: http}]
          hostnames: [blog.example.com]
          rules: [{backendRefs: [{name: blog, port: 80}]}]
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Rollout
        metadata: {name: shop, namespace: shop}
        spec:
          httpRoute: shop
          canary:
            stableService: shop-v1
            canaryService: shop-v2
            steps: [{setWeight: 20}, {pause: {duration: 1m}}]
            analysis: {metrics: [{name: request-success-rate, thresholdRange: {min: 99}}]}

        """

    static func export(_ options: ExportOptions) -> (mesh: [LoadedObject], export: KubernetesExport) {
        let report = ManifestSet.load(sources: [ManifestSet.Source(file: "mesh.yaml", bytes: Array(manifests.utf8))])
        #expect(report.isValid, "\(report.diagnostics)")
        let export = BridgeFixtures.export(report.objects, options)
        return (report.objects, export)
    }

    @Test func argoMovesTheHTTPRouteThroughTheGatewayAPIPlugin() throws {
        let (_, export) = Self.export(ExportOptions(mesh: .istio, rollouts: .argo, split: .smi))
        #expect(export.errors.isEmpty, "\(export.errors)")
        let rollout = try #require(BridgeFixtures.object(export, "Rollout", "shop"))
        let routing = rollout.at("spec.strategy.canary.trafficRouting")
        #expect(routing?["plugins"]?["argoproj-labs/gatewayAPI"]?["httpRoute"] == .string("shop"))
        #expect(routing?["plugins"]?["argoproj-labs/gatewayAPI"]?["namespace"] == .string("shop"))
        #expect(routing?["smi"] == nil, "an HTTPRoute has no SMI form, whatever --split says")
        let route = try #require(BridgeFixtures.object(export, "HTTPRoute", "shop"))
        #expect(route["apiVersion"] == .string("gateway.networking.k8s.io/v1"))
        // `{name: shop}` means the Service in meshctl (no Gateway has that name); a cluster would read a Gateway.
        #expect(route.at("spec.parentRefs")?.listValue.first?["kind"] == .string("Service"))
        let ingress = try #require(BridgeFixtures.object(export, "HTTPRoute", "blog"))
        #expect(ingress.at("spec.parentRefs")?.listValue.first?["kind"] == .string("Gateway"))
        #expect(BridgeFixtures.object(export, "Gateway", "public") != nil)
        #expect(BridgeFixtures.object(export, "GatewayClass", "meshctl") != nil)
        #expect(!export.objects.contains { $0.kind == "ConfigMap" })
    }

    @Test(arguments: BridgeFixtures.allOptions)
    func roundTrip(options: ExportOptions) {
        let (mesh, exported) = Self.export(options)
        #expect(exported.errors.isEmpty, "\(exported.errors)")
        let imported = KubernetesImporter.importObjects(exported.files.map {
            ManifestSet.Source(file: $0.name, bytes: Array($0.text.utf8))
        })
        #expect(imported.errors.isEmpty, "\(imported.errors)")
        let expected = mesh.map(\.object).map { object -> ManifestObject in
            // The export writes the resolved parent kind, which import keeps.
            guard case .httpRoute(var route) = object else { return object }
            route.spec.parentRefs = route.spec.parentRefs.map { var parent = $0; parent.kind = parent.name == "public" ? .gateway : .service; return parent }
            return .httpRoute(route)
        }
        #expect(BridgeFixtures.canonical(imported.objects) == BridgeFixtures.canonical(expected))
    }

    @Test func everyExportValidatesAgainstTheUpstreamCRDs() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var written = 0
        for options in BridgeFixtures.allOptions {
            let export = Self.export(options).export
            let directory = root.appendingPathComponent(options.testDescription.replacingOccurrences(of: "/", with: "-"))
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for file in export.files { try Data(file.text.utf8).write(to: directory.appendingPathComponent(file.name)) }
            written += export.objects.count
        }
        guard let result = try ConformanceValidator.validate(root.path) else { return }
        #expect(result.status == 0, "\(result.output.split(separator: "\n").prefix(40).joined(separator: "\n"))")
        #expect(result.output.contains("\(written) objects valid, 0 invalid"), "\(result.output.suffix(2000))")
    }
}
