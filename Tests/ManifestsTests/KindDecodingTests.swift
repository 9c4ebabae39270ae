import Foundation
import Testing

@testable import Manifests

@Suite("Kinds decode with defaults filled in")
struct KindDecodingTests {
    private func object(_ text: String) throws -> ManifestObject {
        let report = loadManifests(text)
        #expect(report.diagnostics.map(\.description) == [])
        return try #require(report.objects.last?.object)
    }

    @Test func serviceWithCommandAndEveryKnob() throws {
        let object = try object(
            """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata:
              name: web-v1
              namespace: default
              labels: {app: web, version: "1"}
              annotations: {note: no}
            spec:
              port: 8081
              appProtocol: grpc
              command: [meshctl, demo-app, --version, v1]
              replicas: 3
              env: {MODE: on, EMPTY: }
              workingDir: /srv/www
              healthCheck: {path: /ready, interval: 1m30s, timeout: 500ms, healthyThreshold: 2, unhealthyThreshold: 4}
              loadBalancer: least-request
              outlierDetection: {consecutive5xxErrors: 7, consecutiveGatewayErrors: 3, interval: 1s,
                                 baseEjectionTime: 1h, maxEjectionPercent: 100}
              connectionPool: {maxConnections: 10, maxPendingRequests: 0, maxRequestsPerConnection: 5}
            """
        )
        let expected = Service(
            metadata: ObjectMeta(
                name: "web-v1",
                namespace: "default",
                labels: ["app": "web", "version": "1"],
                annotations: ["note": "no"]
            ),
            spec: .init(
                port: 8081,
                appProtocol: .grpc,
                workload: .command(
                    .init(
                        argv: ["meshctl", "demo-app", "--version", "v1"],
                        replicas: 3,
                        env: ["MODE": "on", "EMPTY": ""],
                        workingDir: "/srv/www"
                    )
                ),
                healthCheck: .init(
                    path: "/ready",
                    interval: .seconds(90),
                    timeout: .milliseconds(500),
                    healthyThreshold: 2,
                    unhealthyThreshold: 4
                ),
                loadBalancer: .leastRequest,
                outlierDetection: .init(
                    consecutive5xxErrors: 7,
                    consecutiveGatewayErrors: 3,
                    interval: .seconds(1),
                    baseEjectionTime: .seconds(3600),
                    maxEjectionPercent: 100
                ),
                connectionPool: .init(maxConnections: 10, maxPendingRequests: 0, maxRequestsPerConnection: 5)
            )
        )
        #expect(object == .service(expected))
    }

    @Test func serviceDefaults() throws {
        let report = loadManifests(
            serviceYAML("leaf", port: 81)
                + "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: Service\nmetadata: {name: plain}\nspec:\n  port: 82\n  command: [./server]\n  healthCheck: {}\n  outlierDetection: {}\n"
        )
        #expect(report.diagnostics == [])
        guard case .service(let service) = try #require(report.objects.last?.object) else { throw TestFailure() }
        #expect(service.spec.workload == .command(.init(argv: ["./server"], replicas: 1, env: [:])))
        #expect(
            service.spec.healthCheck
                == .init(
                    path: "/healthz",
                    interval: .seconds(5),
                    timeout: .seconds(1),
                    healthyThreshold: 1,
                    unhealthyThreshold: 3
                )
        )
        #expect(service.spec.loadBalancer == .p2cEWMA)
        #expect(service.spec.appProtocol == .http)
        #expect(
            service.spec.outlierDetection
                == .init(
                    consecutive5xxErrors: 5,
                    consecutiveGatewayErrors: 0,
                    interval: .seconds(10),
                    baseEjectionTime: .seconds(30),
                    maxEjectionPercent: 50
                )
        )
        #expect(
            service.spec.connectionPool
                == .init(maxConnections: 1024, maxPendingRequests: 1024, maxRequestsPerConnection: 0)
        )
    }

    @Test func serviceWithStaticEndpoints() throws {
        let object = try object(
            "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: Service\nmetadata: {name: db}\nspec:\n  port: 5432\n  endpoints: ['127.0.0.1:15432', 'db.local:5432', '[::1]:6543']\n"
        )
        guard case .service(let service) = object else { throw TestFailure() }
        #expect(
            service.spec.workload
                == .endpoints([
                    .init(host: "127.0.0.1", port: 15432), .init(host: "db.local", port: 5432),
                    .init(host: "::1", port: 6543),
                ])
        )
        #expect(Service.Endpoint(host: "::1", port: 6543).description == "[::1]:6543")
    }

    @Test func trafficSplitQuantityWeightsAreThousandths() throws {
        let report = loadManifests(
            serviceYAML("numbers", port: 80, command: false) + serviceYAML("one", port: 81)
                + serviceYAML("two", port: 82)
                + serviceYAML("three", port: 83)
                    + """
                    apiVersion: split.smi-spec.io/v1alpha1
                    kind: TrafficSplit
                    metadata: {name: w}
                    spec:
                      service: numbers
                      backends: [{service: one, weight: 10m}, {service: two, weight: "1"}, {service: three, weight: 1.5}]
                    """
        )
        #expect(report.diagnostics == [])
        guard case .trafficSplit(let split) = try #require(report.objects.last?.object) else { throw TestFailure() }
        #expect(split.spec.backends.map(\.weight) == [10, 1000, 1500])
        #expect(split.usesQuantityWeights)
    }

    @Test func trafficSplitWithMatches() throws {
        let report = loadManifests(
            serviceYAML("site", port: 80, command: false) + serviceYAML("site-a", port: 81)
                + serviceYAML("site-b", port: 82)
                    + """
                    apiVersion: specs.smi-spec.io/v1alpha4
                    kind: HTTPRouteGroup
                    metadata: {name: routes}
                    spec:
                      matches:
                      - name: firefox
                        headers: {User-Agent: ".*Firefox.*"}
                      - name: api
                        pathRegex: /api/.*
                        methods: [GET, POST]
                    ---
                    apiVersion: split.smi-spec.io/v1alpha3
                    kind: TrafficSplit
                    metadata: {name: ab}
                    spec:
                      service: site
                      matches: [{kind: HTTPRouteGroup, name: routes, matches: [firefox]}]
                      backends: [{service: site-a, weight: 0}, {service: site-b, weight: 100}]
                    """
        )
        #expect(report.diagnostics == [])
        let objects = report.objects.map(\.object)
        guard case .httpRouteGroup(let group) = objects[3], case .trafficSplit(let split) = objects[4] else {
            throw TestFailure()
        }
        #expect(
            group.spec.matches == [
                .init(name: "firefox", headers: ["user-agent": ".*Firefox.*"]),
                .init(name: "api", pathRegex: "/api/.*", methods: ["GET", "POST"]),
            ]
        )
        #expect(split.spec.matches == [.init(name: "routes", matches: ["firefox"])])
        #expect(split.spec.backends == [.init(service: "site-a", weight: 0), .init(service: "site-b", weight: 100)])
    }

    @Test func retryPolicyDefaultsAreIdempotentOnlyWithABudget() throws {
        let report = loadManifests(
            serviceYAML("api", port: 80)
                + "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: RetryPolicy\nmetadata: {name: api}\nspec: {service: api}\n"
        )
        #expect(report.diagnostics == [])
        guard case .retryPolicy(let policy) = try #require(report.objects.last?.object) else { throw TestFailure() }
        #expect(policy.spec == .init(service: "api"))
        #expect(policy.spec.attempts == 2)
        #expect(policy.spec.idempotentOnly)
        #expect(policy.spec.retryOn == [.connectFailure, .reset, .gatewayError])
        #expect(policy.spec.backoff == .init(base: .milliseconds(25), max: .milliseconds(250), jitter: 50))
        #expect(policy.spec.budget == .init(percent: 20, minRetriesPerSecond: 10))
    }

    @Test func retryPolicyEveryField() throws {
        let report = loadManifests(
            serviceYAML("api", port: 80)
                + """
                apiVersion: mesh.meshctl.dev/v1alpha1
                kind: RetryPolicy
                metadata: {name: api}
                spec:
                  service: api
                  attempts: 4
                  perTryTimeout: 200ms
                  timeout: 1s
                  retryOn: [5xx, gateway-error, connect-failure, reset, 429, "503", unavailable, deadline-exceeded]
                  backoff: {base: 10ms, max: 1s, jitter: 0}
                  budget: {percent: 5, minRetriesPerSecond: 1}
                  idempotentOnly: false
                """
        )
        #expect(report.diagnostics == [])
        guard case .retryPolicy(let policy) = try #require(report.objects.last?.object) else { throw TestFailure() }
        #expect(
            policy.spec
                == .init(
                    service: "api",
                    attempts: 4,
                    perTryTimeout: .milliseconds(200),
                    timeout: .seconds(1),
                    retryOn: [.serverError, .gatewayError, .connectFailure, .reset, .status(429), .status(503), .grpc(14), .grpc(4)],
                    backoff: .init(base: .milliseconds(10), max: .seconds(1), jitter: 0),
                    budget: .init(percent: 5, minRetriesPerSecond: 1),
                    idempotentOnly: false
                )
        )
    }

    @Test func rolloutCanaryWithSteps() throws {
        let report = loadManifests(
            try String(contentsOfFile: repositoryRoot + "/examples/canary/services.yaml", encoding: .utf8) + "\n---\n"
                + (try String(contentsOfFile: repositoryRoot + "/examples/canary/split.yaml", encoding: .utf8))
                + "\n---\n"
                    + """
                    apiVersion: mesh.meshctl.dev/v1alpha1
                    kind: Rollout
                    metadata: {name: web}
                    spec:
                      trafficSplit: web
                      canary:
                        stableService: web-v1
                        canaryService: web-v2
                        steps: [{setWeight: 5}, {pause: {duration: 30s}}, {setWeight: 50}, {pause: {}}, {pause: }]
                        analysis:
                          webhooks: [{name: gate, type: confirm-promotion, url: "http://127.0.0.1:1/ok"}]
                    """
        )
        #expect(report.diagnostics == [])
        guard case .rollout(let rollout) = try #require(report.objects.last?.object) else { throw TestFailure() }
        let analysis = Rollout.Analysis(
            interval: .seconds(60),
            threshold: 5,
            minRequests: 10,
            metrics: [.successRate(min: 99), .latency(max: .milliseconds(500), percentile: 99)],
            webhooks: [
                .init(name: "gate", type: .confirmPromotion, url: "http://127.0.0.1:1/ok", timeout: .seconds(10))
            ]
        )
        #expect(
            rollout.spec
                == .init(
                    trafficSplit: "web",
                    progressDeadline: .seconds(600),
                    strategy: .canary(
                        .init(
                            stableService: "web-v1",
                            canaryService: "web-v2",
                            progression: .steps([
                                .setWeight(5), .pause(.seconds(30)), .setWeight(50), .pause(nil), .pause(nil),
                            ]),
                            analysis: analysis
                        )
                    )
                )
        )
        #expect(rollout.spec.stableService == "web-v1")
        #expect(rollout.spec.newService == "web-v2")
    }

    @Test func rolloutBlueGreenWithPreviewPort() throws {
        let report = loadManifests(
            serviceYAML("shop", port: 80, command: false) + serviceYAML("blue", port: 81)
                + serviceYAML("green", port: 82)
                    + """
                    apiVersion: mesh.meshctl.dev/v1alpha1
                    kind: TrafficSplit
                    metadata: {name: shop}
                    spec: {service: shop, backends: [{service: blue, weight: 1}, {service: green, weight: 0}]}
                    ---
                    apiVersion: mesh.meshctl.dev/v1alpha1
                    kind: Rollout
                    metadata: {name: shop}
                    spec:
                      trafficSplit: shop
                      progressDeadline: 90s
                      blueGreen:
                        activeService: blue
                        previewService: green
                        preview: {port: 9999}
                        prePromotionAnalysis:
                          metrics: [{name: request-duration, thresholdRange: {max: 2s}, percentile: 99.9}]
                    """
        )
        #expect(report.diagnostics == [])
        guard case .rollout(let rollout) = try #require(report.objects.last?.object) else { throw TestFailure() }
        #expect(rollout.spec.progressDeadline == .seconds(90))
        #expect(
            rollout.spec.strategy
                == .blueGreen(
                    .init(
                        activeService: "blue",
                        previewService: "green",
                        preview: .port(9999),
                        autoPromotionSeconds: nil,
                        scaleDownDelay: .seconds(30),
                        prePromotionAnalysis: .init(metrics: [.latency(max: .seconds(2), percentile: 99.9)])
                    )
                )
        )
    }

    @Test func headersMayBeAListOfOneEntryMappings() throws {
        let report = loadManifests(
            "apiVersion: specs.smi-spec.io/v1alpha3\nkind: HTTPRouteGroup\nmetadata: {name: g}\nspec:\n  matches:\n  - name: m\n    headers:\n    - user-agent: .*Firefox.*\n    - cookie: a=b\n"
        )
        #expect(report.diagnostics == [])
        let group = try #require(report.objects.first?.object.httpRouteGroup)
        #expect(group.spec.matches[0].headers == ["user-agent": ".*Firefox.*", "cookie": "a=b"])
        #expect(report.objects.first?.object.key == ObjectKey(kind: .httpRouteGroup, name: "g"))
    }

    @Test func aListOfObjectsDecodesItsItems() throws {
        let report = loadManifests(
            #"{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "mesh.meshctl.dev/v1alpha1", "kind": "Service", "metadata": {"name": "a"}, "spec": {"port": 1, "endpoints": ["h:2"]}}]}"#
        )
        #expect(report.diagnostics == [])
        #expect(report.objects.map(\.object.name) == ["a"])
    }
}

struct TestFailure: Error {}
