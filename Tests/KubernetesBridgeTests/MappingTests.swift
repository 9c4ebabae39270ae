@testable import KubernetesBridge
import Manifests
import Testing

/// The exported objects carry the numbers that matter — weights, steps, thresholds, retries, ejection — where the
/// cluster reads them.
@Suite struct MappingTests {
    typealias Fixtures = BridgeFixtures

    @Test func canaryWeightsAndFlaggerAnalysis() throws {
        let export = Fixtures.export(Fixtures.example("canary"), ExportOptions(mesh: .linkerd, rollouts: .flagger))
        let route = try #require(Fixtures.object(export, "HTTPRoute", "web"))
        let backends = try #require(route.at("spec")?["rules"]?.listValue.first?["backendRefs"]?.listValue)
        #expect(backends.map { $0["name"] } == [.string("web-v1"), .string("web-v2")])
        #expect(backends.map { $0["weight"] } == [.int(100), .int(0)])
        #expect(backends.map { $0["port"] } == [.int(8081), .int(8082)])
        #expect(route.at("spec")?["parentRefs"]?.listValue.first?["name"] == .string("web"))

        let canary = try #require(Fixtures.object(export, "Canary", "web"))
        #expect(canary.at("spec.targetRef.name") == .string("web-v2"))
        #expect(canary.at("spec.progressDeadlineSeconds") == .int(120))
        #expect(canary.at("spec.analysis.interval") == .string("5s"))
        #expect(canary.at("spec.analysis.threshold") == .int(2))
        #expect(canary.at("spec.analysis.stepWeights") == .list([.int(10), .int(30), .int(60)]))
        let metrics = try #require(canary.at("spec.analysis.metrics")?.listValue)
        #expect(metrics.map { $0["name"] } == [.string("request-success-rate"), .string("request-duration")])
        #expect(metrics[0].at("thresholdRange.min") == .decimal(99))
        #expect(metrics[1].at("thresholdRange.max") == .int(500))
    }

    @Test func canaryStepsAndArgoAnalysisTemplate() throws {
        let export = Fixtures.export(Fixtures.example("canary"), ExportOptions(mesh: .istio, rollouts: .argo, split: .smi))
        let rollout = try #require(Fixtures.object(export, "Rollout", "web"))
        let steps = try #require(rollout.at("spec.strategy.canary.steps")?.listValue)
        #expect(steps.map { $0["setWeight"]?.intValue ?? -1 } == [10, -1, 30, -1, 60, -1])
        #expect(steps[1].at("pause.duration") == .string("5s"))
        #expect(rollout.at("spec.strategy.canary.stableService") == .string("web-v1"))
        #expect(rollout.at("spec.strategy.canary.canaryService") == .string("web-v2"))
        #expect(rollout.at("spec.strategy.canary.trafficRouting.smi.trafficSplitName") == .string("web"))
        #expect(rollout.at("spec.workloadRef.name") == .string("web-v2"))
        let template = try #require(Fixtures.object(export, "AnalysisTemplate", "web-analysis"))
        let metrics = try #require(template.at("spec.metrics")?.listValue)
        #expect(metrics.map { $0["failureLimit"] } == [.int(1), .int(1)], "threshold 2 = one failure allowed")
        #expect(metrics.map { $0["successCondition"] } == [.string("result[0] >= 99"), .string("result[0] <= 500")])
        #expect(metrics[1].at("provider.prometheus.query")?.stringValue?.hasPrefix("histogram_quantile(0.99,") == true)
        let split = try #require(Fixtures.object(export, "TrafficSplit", "web"))
        #expect(split["apiVersion"] == .string("split.smi-spec.io/v1alpha2"))
        #expect(split.at("spec.backends")?.listValue.map { $0["weight"] } == [.int(100), .int(0)])
    }

    @Test func linearProgressionBecomesArgoStepsAndFlaggerStepWeight() throws {
        let mesh = Fixtures.example("retries")
        let argo = Fixtures.export(mesh, ExportOptions(rollouts: .argo))
        let steps = try #require(Fixtures.object(argo, "Rollout", "api")?.at("spec.strategy.canary.steps")?.listValue)
        #expect(steps.compactMap { $0["setWeight"]?.intValue } == [20, 40, 60])
        #expect(steps.compactMap { $0.at("pause.duration") } == Array(repeating: .string("10s"), count: 3))
        let flagger = Fixtures.export(mesh, ExportOptions(rollouts: .flagger))
        let canary = try #require(Fixtures.object(flagger, "Canary", "api"))
        #expect(canary.at("spec.analysis.stepWeight") == .int(20))
        #expect(canary.at("spec.analysis.maxWeight") == .int(60))
        #expect(canary.at("spec.analysis.threshold") == .int(3))
        let hook = try #require(canary.at("spec.analysis.webhooks")?.listValue.first)
        #expect(hook["type"] == .string("pre-rollout"))
        #expect(hook["url"] == .string("http://127.0.0.1:7999/ready"))
    }

    @Test func blueGreenForBothControllers() throws {
        let mesh = Fixtures.example("blue-green")
        let argo = try #require(Fixtures.object(Fixtures.export(mesh, ExportOptions(rollouts: .argo)), "Rollout", "shop"))
        #expect(argo.at("spec.strategy.blueGreen.activeService") == .string("shop-blue"))
        #expect(argo.at("spec.strategy.blueGreen.previewService") == .string("shop-green"))
        #expect(argo.at("spec.strategy.blueGreen.autoPromotionSeconds") == .int(20))
        #expect(argo.at("spec.strategy.blueGreen.scaleDownDelaySeconds") == .int(30))
        let flagger = try #require(Fixtures.object(Fixtures.export(mesh, ExportOptions(rollouts: .flagger)), "Canary", "shop"))
        // 20 s of automatic promotion at 5 s intervals: four iterations.
        #expect(flagger.at("spec.analysis.iterations") == .int(4))
        #expect(flagger.at("spec.analysis.threshold") == .int(1))
        #expect(flagger.at("spec.targetRef.name") == .string("shop-green"))
    }

    @Test func retriesAndOutlierDetectionForIstio() throws {
        let export = Fixtures.export(Fixtures.example("retries"), ExportOptions(mesh: .istio))
        let service = try #require(Fixtures.object(export, "VirtualService", "api"))
        let http = try #require(service.at("spec")?["http"]?.listValue.first)
        #expect(http["timeout"] == .string("2s"))
        #expect(http.at("retries.attempts") == .int(3))
        #expect(http.at("retries.perTryTimeout") == .string("500ms"))
        #expect(http.at("retries.retryOn") == .string("5xx,connect-failure,reset"))
        #expect(http.at("retries.backoff") == .string("25ms"))
        let legacy = try #require(Fixtures.object(export, "VirtualService", "legacy"))
        #expect(legacy.at("spec")?["http"]?.listValue.first?.at("retries.retryOn") == .string("connect-failure,503"))
        let rule = try #require(Fixtures.object(export, "DestinationRule", "api-v1"))
        #expect(rule.at("spec.host") == .string("api-v1.default.svc.cluster.local"))
        #expect(rule.at("spec.trafficPolicy.loadBalancer.simple") == .string("LEAST_REQUEST"))
        #expect(rule.at("spec.trafficPolicy.outlierDetection.consecutive5xxErrors") == .int(3))
        #expect(rule.at("spec.trafficPolicy.outlierDetection.consecutiveGatewayErrors") == .int(2))
        #expect(rule.at("spec.trafficPolicy.outlierDetection.baseEjectionTime") == .string("15s"))
        #expect(rule.at("spec.trafficPolicy.outlierDetection.maxEjectionPercent") == .int(34))
        #expect(rule.at("spec.trafficPolicy.connectionPool.tcp.maxConnections") == .int(256))
        #expect(rule.at("spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests") == .int(64))
    }

    @Test func retriesAndFailureAccrualForLinkerd() throws {
        let export = Fixtures.export(Fixtures.example("retries"), ExportOptions(mesh: .linkerd))
        let profile = try #require(Fixtures.object(export, "ServiceProfile", "api.default.svc.cluster.local"))
        #expect(profile.at("spec.retryBudget.retryRatio") == .decimal(0.2))
        #expect(profile.at("spec.retryBudget.minRetriesPerSecond") == .int(10))
        let routes = try #require(profile.at("spec")?["routes"]?.listValue)
        #expect(routes.map { $0["isRetryable"] } == [.bool(true), .bool(false)], "idempotent methods only")
        #expect(routes.map { $0["timeout"] } == [.string("2s"), .string("2s")])
        let service = try #require(Fixtures.object(export, "Service", "api-v1"))
        #expect(service.at("metadata.annotations")?["balancer.linkerd.io/failure-accrual-consecutive-max-failures"] == .string("3"))
        #expect(service.at("metadata.annotations")?["balancer.linkerd.io/failure-accrual-consecutive-min-penalty"] == .string("15s"))
    }

    @Test func deploymentAndServiceOfAWorkload() throws {
        let export = Fixtures.export(Fixtures.example("retries"), ExportOptions(namespace: "shop"))
        let deployment = try #require(Fixtures.object(export, "Deployment", "api-v1"))
        #expect(deployment.at("metadata.namespace") == .string("shop"))
        #expect(deployment.at("spec.replicas") == .int(3))
        let container = try #require(deployment.at("spec.template.spec")?["containers"]?.listValue.first)
        #expect(container["image"] == .string("registry.example.com/api-v1:1"))
        #expect(container["env"]?.listValue.map { $0["name"] } == [.string("LOG_LEVEL"), .string("PORT")])
        #expect(container["ports"]?.listValue.first?["containerPort"] == .int(7081))
        let service = try #require(Fixtures.object(export, "Service", "api-v1"))
        #expect(service.at("spec.selector") == deployment.at("spec.selector.matchLabels"))
        #expect(service.at("spec")?["ports"]?.listValue.first?["appProtocol"] == .string("http"))
        let slices = export.objects.filter { $0.kind == "EndpointSlice" }
        #expect(slices.map(\.name) == ["legacy-0", "legacy-1"])
        #expect(slices.map { $0.value["addressType"] } == [.string("IPv4"), .string("FQDN")])
    }

    @Test func healthCheckBecomesAReadinessProbe() throws {
        let export = Fixtures.export(Fixtures.example("blue-green"), ExportOptions())
        let container = try #require(Fixtures.object(export, "Deployment", "shop-blue")?
            .at("spec.template.spec")?["containers"]?.listValue.first)
        #expect(container.at("readinessProbe.httpGet.path") == .string("/healthz"))
        #expect(container.at("readinessProbe.periodSeconds") == .int(1))
        #expect(container.at("readinessProbe.timeoutSeconds") == .int(1), "250ms rounds up to a whole second")
        #expect(container.at("readinessProbe.failureThreshold") == .int(2))
    }

    @Test func outputDoesNotDependOnFileOrder() {
        let mesh = Fixtures.example("canary")
        let forward = Fixtures.export(mesh, ExportOptions()).yaml
        let backward = Fixtures.export(mesh.reversed(), ExportOptions()).yaml
        #expect(forward == backward)
    }
}
