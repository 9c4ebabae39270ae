@testable import KubernetesBridge
import Manifests
import Testing

/// A Service's `readinessProbe` and `autoscale` through export and import (issue 18): the probe becomes the container's
/// readinessProbe with Kubernetes' own field names, `autoscale` an `autoscaling/v2` HorizontalPodAutoscaler on a
/// requests-per-second Pods metric (with a warning that it needs a metrics adapter), and both come back exactly.
@Suite struct ScalingRoundTripTests {
    static let manifests = """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web}
        spec:
          port: 8080
          command: [web]
          readinessProbe: {httpGet: {path: /ready}, initialDelaySeconds: 2, periodSeconds: 5}
          autoscale: {min: 2, max: 6, targetRPSPerReplica: 12.5, scaleDownStabilization: 90s}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: api}
        spec:
          port: 8081
          command: [api]
          healthCheck: {path: /healthz}
          readinessProbe: {exec: {command: [check, --ready]}, timeoutSeconds: 2, failureThreshold: 5}
          autoscale: {min: 1, max: 3, targetRPSPerReplica: 100, scaleDownStabilization: 1500ms}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: db}
        spec:
          port: 8082
          command: [db]
          replicas: 2
          readinessProbe: {httpGet: {path: /, port: 9000}}

        """

    static func export(_ options: ExportOptions) -> KubernetesExport {
        let report = ManifestSet.load(sources: [ManifestSet.Source(file: "mesh.yaml", bytes: Array(manifests.utf8))])
        #expect(report.isValid, "\(report.diagnostics)")
        var options = options
        options.images = ImageMap(images: ["web": "r/web:1", "api": "r/api:1", "db": "r/db:1"])
        return KubernetesExporter.export(report.objects, options: options,
                                         read: { $0 == "mesh.yaml" ? Array(manifests.utf8) : nil })
    }

    @Test(arguments: BridgeFixtures.allOptions)
    func probeAndAutoscaleSurvive(options: ExportOptions) {
        let exported = Self.export(options)
        #expect(exported.errors.isEmpty, "\(exported.errors)")
        let imported = KubernetesImporter.importObjects(exported.files.map {
            ManifestSet.Source(file: $0.name, bytes: Array($0.text.utf8))
        })
        #expect(imported.errors.isEmpty, "\(imported.errors)")
        let report = ManifestSet.load(sources: [ManifestSet.Source(file: "mesh.yaml", bytes: Array(Self.manifests.utf8))])
        #expect(BridgeFixtures.canonical(imported.objects) == BridgeFixtures.canonical(report.objects.map(\.object)))
        #expect(!imported.diagnostics.contains { $0.message.contains("no meshctl counterpart") }, "\(imported.diagnostics)")
    }

    @Test func readinessProbeIsTheContainersAndAutoscaleAnHPA() throws {
        let exported = Self.export(ExportOptions(mesh: .istio, rollouts: .flagger, split: .gateway))
        let web = try #require(BridgeFixtures.object(exported, "Deployment", "web"))
        #expect(web.at("spec.replicas") == nil, "the HPA owns the count")
        let container = try #require(web.at("spec.template.spec")?["containers"]?.listValue.first)
        #expect(container.at("readinessProbe.httpGet.path") == .string("/ready"))
        #expect(container.at("readinessProbe.httpGet.port") == .string("http"), "no port: the replica's PORT")
        #expect(container.at("readinessProbe.initialDelaySeconds") == .int(2))
        #expect(container.at("readinessProbe.periodSeconds") == .int(5))
        let hpa = try #require(exported.objects.first { $0.kind == "HorizontalPodAutoscaler" && $0.name == "web" })
        #expect(hpa.apiVersion == "autoscaling/v2")
        #expect(hpa.yaml.contains("""
            spec:
              scaleTargetRef:
                apiVersion: apps/v1
                kind: Deployment
                name: web
              minReplicas: 2
              maxReplicas: 6
              metrics:
              - type: Pods
                pods:
                  metric:
                    name: requests_per_second
                  target:
                    type: AverageValue
                    averageValue: 12500m
              behavior:
                scaleDown:
                  stabilizationWindowSeconds: 90
            """), "\(hpa.yaml)")
        let db = try #require(BridgeFixtures.object(exported, "Deployment", "db"))
        #expect(db.at("spec.replicas") == .int(2))
        #expect(db.at("spec.template.spec")?["containers"]?.listValue.first?.at("readinessProbe.httpGet.port") == .int(9000))
        #expect(!exported.objects.contains { $0.kind == "HorizontalPodAutoscaler" && $0.name == "db" })
        let warnings = exported.warnings.map(\.description)
        #expect(warnings.contains { $0.contains("Pods metric requests_per_second") && $0.contains("metrics adapter") }, "\(warnings)")
        #expect(!warnings.contains { $0.contains("no Kubernetes mapping for this field yet") }, "\(warnings)")
    }

    @Test func whatKubernetesCannotSayIsKeptAndWarnedAbout() throws {
        let exported = Self.export(ExportOptions(mesh: .linkerd, rollouts: .flagger, split: .smi))
        let api = try #require(exported.objects.first { $0.kind == "Deployment" && $0.name == "api" })
        let container = try #require(api.value.at("spec.template.spec")?["containers"]?.listValue.first)
        #expect(container.at("readinessProbe.exec.command") == .strings(["check", "--ready"]))
        #expect(container.at("readinessProbe.failureThreshold") == .int(5))
        #expect(api.yaml.contains("meshctl.dev/spec.healthCheck"), "\(api.yaml)")
        let hpa = try #require(exported.objects.first { $0.kind == "HorizontalPodAutoscaler" && $0.name == "api" })
        #expect(hpa.value.at("spec.behavior.scaleDown.stabilizationWindowSeconds") == .int(2), "1500ms rounds up")
        #expect(hpa.value.at("spec.metrics")?.listValue.first?.at("pods.target.averageValue") == .string("100"))
        let warnings = exported.warnings.map(\.description)
        #expect(warnings.contains { $0.contains("one readinessProbe") && $0.contains("spec.healthCheck") }, "\(warnings)")
        #expect(warnings.contains { $0.contains("becomes 2s") && $0.contains("scaleDownStabilization") }, "\(warnings)")
    }

    @Test func aForeignHPAOnOtherMetricsIsNotImported() throws {
        let text = """
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec: {selector: {app: web}, ports: [{name: http, port: 8080}]}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, annotations: {meshctl.dev/command: '["web"]'}}
            spec:
              replicas: 3
              template:
                spec:
                  containers:
                  - name: web
                    image: r/web:1
                    readinessProbe: {exec: {command: [ready]}, periodSeconds: 4}
            ---
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata: {name: web}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
              minReplicas: 1
              maxReplicas: 4
              metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]

            """
        let imported = KubernetesImporter.importObjects([ManifestSet.Source(file: "k.yaml", bytes: Array(text.utf8))])
        #expect(imported.errors.isEmpty, "\(imported.errors)")
        let service = try #require(imported.objects.first { $0.kind == .service }?.service)
        guard case .command(let command) = service.spec.workload else {
            Issue.record("no command: \(service.spec.workload)")
            return
        }
        #expect(command.replicas == 3)
        #expect(command.autoscale == nil)
        #expect(command.readinessProbe?.action == .exec(["ready"]))
        #expect(command.readinessProbe?.periodSeconds == 4)
        #expect(imported.diagnostics.contains { $0.message.contains("requests_per_second") && $0.message.contains("not imported") },
                "\(imported.diagnostics)")
    }
}
