import KubernetesBridge
import Manifests
import Testing

/// The round trip of what the examples do not use: route groups and matches, quantity weights, IPv6 and named
/// endpoints, a port preview, manual promotion, non-default retry and ejection settings, odd percentiles.
@Suite struct RoundTripEdgeTests {
    static let manifests = """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web, namespace: shop, annotations: {owner: team-a}}
        spec: {port: 8080}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web-v1, namespace: shop}
        spec:
          port: 8081
          command: [web, --v1]
          workingDir: /srv/web
          env: {A: "1", PORT: "9"}
          healthCheck: {path: /ready, interval: 1500ms, timeout: 250ms, healthyThreshold: 2, unhealthyThreshold: 4}
          loadBalancer: round-robin
          outlierDetection: {consecutive5xxErrors: 0, consecutiveGatewayErrors: 3, interval: 2s, baseEjectionTime: 1s, maxEjectionPercent: 100}
          connectionPool: {maxConnections: 10, maxPendingRequests: 0, maxRequestsPerConnection: 5}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web-v2, namespace: shop}
        spec: {port: 8082, appProtocol: grpc, endpoints: ["[::1]:9000", "10.0.0.7:9001", "db.example.com:5432"]}
        ---
        apiVersion: split.smi-spec.io/v1alpha1
        kind: TrafficSplit
        metadata: {name: web-split, namespace: shop, labels: {tier: front}}
        spec:
          service: web
          backends: [{service: web-v1, weight: 900m}, {service: web-v2, weight: 100m}]
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: api, namespace: shop}
        spec: {port: 7080}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: api-a, namespace: shop}
        spec: {port: 7081, command: [api, a], replicas: 4}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: api-b, namespace: shop}
        spec: {port: 7082, command: [api, b], appProtocol: tcp, rateLimit: {requestsPerSecond: 50, burst: 10}}
        ---
        apiVersion: specs.smi-spec.io/v1alpha4
        kind: HTTPRouteGroup
        metadata: {name: insiders, namespace: shop}
        spec:
          matches:
          - {name: firefox, pathRegex: "/api/.*", methods: [GET, POST], headers: {user-agent: ".*Firefox.*"}}
          - {name: beta, headers: {x-beta: "1", cookie: ".*beta=1.*"}}
        ---
        apiVersion: split.smi-spec.io/v1alpha4
        kind: TrafficSplit
        metadata: {name: api, namespace: shop}
        spec:
          service: api
          matches: [{kind: HTTPRouteGroup, name: insiders, matches: [firefox]}]
          backends: [{service: api-a, weight: 0}, {service: api-b, weight: 100}]
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: RetryPolicy
        metadata: {name: api-retries, namespace: shop}
        spec:
          service: api
          attempts: 0
          retryOn: [5xx, 429]
          idempotentOnly: false
          backoff: {base: 10ms, max: 1s, jitter: 0}
          budget: {percent: 5, minRetriesPerSecond: 1}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Rollout
        metadata: {name: api, namespace: shop}
        spec:
          trafficSplit: api
          progressDeadline: 90500ms
          blueGreen:
            activeService: api-b
            previewService: api-a
            preview: {port: 7099}
            scaleDownDelay: 1m30s
            prePromotionAnalysis:
              interval: 1m
              threshold: 4
              minRequests: 50
              metrics:
              - {name: request-duration, thresholdRange: {max: 250}, percentile: 99.9}
              - {name: request-success-rate, thresholdRange: {min: 99.95}}
              webhooks: [{name: gate, type: rollback, url: "http://gate.example/", timeout: 3s}]
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Rollout
        metadata: {name: web, namespace: shop}
        spec:
          trafficSplit: web-split
          canary:
            stableService: web-v1
            canaryService: web-v2
            steps: [{setWeight: 5}, {pause: {}}, {setWeight: 50}, {pause: {duration: 1h}}]
            analysis: {metrics: []}

        """

    static func export(_ options: ExportOptions) -> (mesh: [LoadedObject], export: KubernetesExport) {
        let report = ManifestSet.load(sources: [ManifestSet.Source(file: "mesh.yaml", bytes: Array(manifests.utf8))])
        #expect(report.isValid, "\(report.diagnostics)")
        var options = options
        options.images = ImageMap(images: ["web-v1": "r/web:1", "api-a": "r/api:a", "api-b": "r/api:b"])
        let export = KubernetesExporter.export(report.objects, options: options,
                                               read: { $0 == "mesh.yaml" ? Array(manifests.utf8) : nil })
        return (report.objects, export)
    }

    @Test(arguments: BridgeFixtures.allOptions)
    func everyFeatureSurvives(options: ExportOptions) {
        let (mesh, exported) = Self.export(options)
        #expect(exported.errors.isEmpty, "\(exported.errors)")
        let imported = KubernetesImporter.importObjects(exported.files.map {
            ManifestSet.Source(file: $0.name, bytes: Array($0.text.utf8))
        })
        #expect(imported.errors.isEmpty, "\(imported.errors)")
        #expect(BridgeFixtures.canonical(imported.objects) == BridgeFixtures.canonical(mesh.map(\.object)))
    }
}
