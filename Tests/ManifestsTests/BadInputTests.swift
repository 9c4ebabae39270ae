import Foundation
import Testing

@testable import Manifests

/// Bad manifests and the exact `file:line:col: error: path: message` lines a user sees for them.
@Suite("Bad inputs report file:line:column, path and message")
struct BadInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var yaml: String
        var expected: [String]
        var testDescription: String { name }
    }

    static let service = "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: Service\nmetadata:\n  name: web\nspec:\n"
    static let split = "apiVersion: split.smi-spec.io/v1alpha4\nkind: TrafficSplit\nmetadata:\n  name: s\nspec:\n"
    static let retry = "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: RetryPolicy\nmetadata:\n  name: r\nspec:\n"
    static let rollout = "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: Rollout\nmetadata:\n  name: r\nspec:\n"
    static let group = "apiVersion: specs.smi-spec.io/v1alpha4\nkind: HTTPRouteGroup\nmetadata:\n  name: g\nspec:\n"

    static let cases: [Case] = [
        Case(
            name: "a weight that is not a number, and a name that is not a DNS label",
            yaml: """
                apiVersion: split.smi-spec.io/v1alpha4
                kind: TrafficSplit
                metadata:
                  name: Web_Split
                spec:
                  service: web
                  backends:
                  - service: web-v1
                    weight: a lot
                """,
            expected: [
                #"bad.yaml:4:9: error: metadata.name: "Web_Split" is not a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)"#,
                #"bad.yaml:9:13: error: spec.backends[0].weight: expected a whole number >= 0, got "a lot""#,
            ]
        ),
        Case(
            name: "an unknown field is reported at its key with a suggestion",
            yaml: service + "  port: 8080\n  command: [srv]\n  replica: 2\n",
            expected: [#"bad.yaml:8:3: error: spec.replica: unknown field "replica", did you mean "replicas"?"#]
        ),
        Case(
            name: "an unknown field with nothing close gets no suggestion",
            yaml: service + "  port: 8080\n  command: [srv]\n  colour: blue\n",
            expected: [#"bad.yaml:8:3: error: spec.colour: unknown field "colour""#]
        ),
        Case(
            name: "a quoted number for a number field is an error, as in Kubernetes",
            yaml: service + "  port: \"8080\"\n  command: [srv]\n",
            expected: [
                #"bad.yaml:6:9: error: spec.port: expected a whole number from 1 to 65535, got the string "8080" (write numbers without quotes)"#
            ]
        ),
        Case(
            name: "a port out of range",
            yaml: service + "  port: 70000\n  command: [srv]\n",
            expected: [#"bad.yaml:6:9: error: spec.port: expected a whole number from 1 to 65535, got 70000"#]
        ),
        Case(
            name: "a missing required field is reported where its mapping starts",
            yaml: service + "  command: [srv]\n",
            expected: [#"bad.yaml:6:3: error: spec.port: required field is missing"#]
        ),
        Case(
            name: "a duration without a unit",
            yaml: service + "  port: 80\n  command: [srv]\n  healthCheck:\n    interval: 5\n",
            expected: [
                #"bad.yaml:9:15: error: spec.healthCheck.interval: expected a duration such as 500ms, 1.5s, 1m or 1m30s, got "5" (add a unit: ms, s, m or h)"#
            ]
        ),
        Case(
            name: "durations with a repeated unit, a fraction finer than 1ms, an unknown unit, a sign, an overflow",
            yaml: service + "  port: 80\n  command: [srv]\n  healthCheck: {interval: 1s1s, timeout: 0.5ms}\n"
                + "  outlierDetection: {interval: 5d, baseEjectionTime: -1s}\n"
                + "---\n" + retry + "  service: web\n  timeout: 9999999h\n",
            expected: [
                #"bad.yaml:8:27: error: spec.healthCheck.interval: expected a duration such as 500ms, 1.5s, 1m or 1m30s, got "1s1s" (units go from largest to smallest, each at most once, as in 1h2m3s4ms)"#,
                #"bad.yaml:8:42: error: spec.healthCheck.timeout: expected a duration such as 500ms, 1.5s, 1m or 1m30s, got "0.5ms" (finer than a millisecond)"#,
                #"bad.yaml:9:32: error: spec.outlierDetection.interval: expected a duration such as 500ms, 1.5s, 1m or 1m30s, got "5d" (unknown unit "d", use ms, s, m or h)"#,
                #"bad.yaml:9:54: error: spec.outlierDetection.baseEjectionTime: expected a duration such as 500ms, 1.5s, 1m or 1m30s, got "-1s" (must not be negative)"#,
                #"bad.yaml:17:12: error: spec.timeout: expected a duration such as 500ms, 1.5s, 1m or 1m30s, got "9999999h" (too large, at most 2562047h)"#,
            ]
        ),
        Case(
            name: "a health check timeout longer than its interval",
            yaml: service + "  port: 80\n  command: [srv]\n  healthCheck: {interval: 1s, timeout: 2s}\n",
            expected: [#"bad.yaml:8:40: error: spec.healthCheck.timeout: must not be longer than interval"#]
        ),
        Case(
            name: "a gRPC health check on a service that does not speak gRPC",
            yaml: service + "  port: 80\n  command: [srv]\n  healthCheck: {grpc: {}}\n",
            expected: [#"bad.yaml:8:16: error: spec.healthCheck.grpc: only for appProtocol: grpc (got http)"#]
        ),
        Case(
            name: "a gRPC health check with a path too, on static endpoints",
            yaml: service + "  port: 80\n  appProtocol: grpc\n  endpoints: [127.0.0.1:9]\n"
                + "  healthCheck: {path: /h, grpc: {service: a}}\n",
            expected: [
                #"bad.yaml:9:16: error: spec.healthCheck.grpc: only allowed together with command: the operator checks each replica"#,
                #"bad.yaml:9:23: error: spec.healthCheck.path: a check has either a path or grpc, not both: grpc calls grpc.health.v1.Health/Check"#,
            ]
        ),
        Case(
            name: "an unknown kind",
            yaml: "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: Servce\nmetadata: {name: a}\nspec: {}\n",
            expected: [
                #"bad.yaml:2:7: error: kind: unknown kind "Servce", did you mean "Service"? (meshctl knows "Service", "TrafficSplit", "HTTPRouteGroup", "RetryPolicy", "Rollout", "FaultInjection", "HTTPRoute", "AuthorizationPolicy", "GatewayClass", "Gateway", "RateLimit")"#
            ]
        ),
        Case(
            name: "a kind under the wrong API group",
            yaml:
                "apiVersion: split.smi-spec.io/v1alpha4\nkind: Service\nmetadata: {name: a}\nspec: {port: 1, command: [x]}\n",
            expected: [
                #"bad.yaml:1:13: error: apiVersion: Service is not served as "split.smi-spec.io/v1alpha4"; use one of "mesh.meshctl.dev/v1alpha1""#
            ]
        ),
        Case(
            name: "missing apiVersion, kind and metadata",
            yaml: "spec: {}\n",
            expected: [
                "bad.yaml:1:1: error: apiVersion: required field is missing",
                "bad.yaml:1:1: error: kind: required field is missing",
                "bad.yaml:1:1: error: metadata: required field is missing",
            ]
        ),
        Case(
            name: "an unknown load balancer",
            yaml: service + "  port: 80\n  command: [srv]\n  loadBalancer: random\n",
            expected: [
                #"bad.yaml:8:17: error: spec.loadBalancer: unknown value "random", expected one of "round-robin", "least-request", "p2c-ewma""#
            ]
        ),
        Case(
            name: "an unknown app protocol",
            yaml: service + "  port: 80\n  appProtocol: websocket\n  command: [srv]\n",
            expected: [
                #"bad.yaml:7:16: error: spec.appProtocol: unknown value "websocket", expected one of "http", "http2", "grpc", "tcp""#
            ]
        ),
        Case(
            name: "command and endpoints together; env without command",
            yaml: service + "  port: 80\n  command: [srv]\n  endpoints: [\"h:1\"]\n",
            expected: [#"bad.yaml:8:14: error: spec.endpoints: a service has either a command or endpoints, not both"#]
        ),
        Case(
            name: "a bad endpoint",
            yaml: service + "  port: 80\n  endpoints: [localhost, \"h:0\"]\n  env: {A: b}\n",
            expected: [
                #"bad.yaml:7:15: error: spec.endpoints[0]: expected host:port such as 127.0.0.1:9000, got "localhost""#,
                #"bad.yaml:7:26: error: spec.endpoints[1]: expected host:port such as 127.0.0.1:9000, got "h:0""#,
                #"bad.yaml:8:8: error: spec.env: only allowed together with command"#,
            ]
        ),
        Case(
            name: "yes is not a boolean",
            yaml: retry + "  service: web\n  idempotentOnly: yes\n",
            expected: [#"bad.yaml:7:19: error: spec.idempotentOnly: expected true or false, got "yes""#]
        ),
        Case(
            name: "an unknown retry condition, a status code out of range, a per-try timeout above the timeout",
            yaml: retry + "  service: web\n  retryOn: [5xxx, 200]\n  perTryTimeout: 2s\n  timeout: 1s\n",
            expected: [
                #"bad.yaml:7:13: error: spec.retryOn[0]: unknown condition "5xxx", did you mean "5xx"? (expected "5xx", "gateway-error", "connect-failure", "reset", "cancelled", "deadline-exceeded", "resource-exhausted", "internal", "unavailable" or a status code)"#,
                #"bad.yaml:7:19: error: spec.retryOn[1]: status codes to retry on must be from 400 to 599, got 200"#,
                #"bad.yaml:8:18: error: spec.perTryTimeout: must not be longer than timeout"#,
            ]
        ),
        Case(
            name: "backoff max below base, budget above 100 percent",
            yaml: retry + "  service: web\n  backoff: {base: 1s, max: 100ms}\n  budget: {percent: 150}\n",
            expected: [
                #"bad.yaml:7:28: error: spec.backoff.max: must not be shorter than base"#,
                #"bad.yaml:8:21: error: spec.budget.percent: expected a whole number from 0 to 100, got 150"#,
            ]
        ),
        Case(
            name: "v1alpha1 weights must be quantities",
            yaml: split.replacingOccurrences(of: "v1alpha4", with: "v1alpha1")
                + "  service: web\n  backends:\n  - service: a\n    weight: lots\n",
            expected: [
                #"bad.yaml:9:13: error: spec.backends[0].weight: expected a quantity such as 100m or 1, got "lots""#
            ]
        ),
        Case(
            name: "matches need v1alpha3; a split needs backends",
            yaml: split.replacingOccurrences(of: "v1alpha4", with: "v1alpha2")
                + "  service: web\n  matches: [{kind: HTTPRouteGroup, name: g}]\n  backends: []\n",
            expected: [
                #"bad.yaml:7:12: error: spec.matches: matches needs split.smi-spec.io/v1alpha3 or later (this is split.smi-spec.io/v1alpha2)"#,
                #"bad.yaml:8:13: error: spec.backends: must list at least one backend"#,
            ]
        ),
        Case(
            name: "a match of the wrong kind",
            yaml: split
                + "  service: web\n  matches: [{kind: TCPRoute, name: g}]\n  backends: [{service: a, weight: 1}]\n",
            expected: [#"bad.yaml:7:20: error: spec.matches[0].kind: expected "HTTPRouteGroup", got "TCPRoute""#]
        ),
        Case(
            name: "an invalid regular expression, a lower-case method, a duplicate match name",
            yaml: group
                + "  matches:\n  - name: a\n    pathRegex: \"(unclosed\"\n    methods: [get]\n  - name: a\n    headers: {x: y}\n",
            expected: [
                #"bad.yaml:8:16: error: spec.matches[0].pathRegex: "(unclosed" is not a valid regular expression"#,
                #"bad.yaml:9:15: error: spec.matches[0].methods[0]: "get" is not an HTTP method, write "GET""#,
                #"bad.yaml:10:11: error: spec.matches[1].name: duplicate match name "a" (first at line 7)"#,
            ]
        ),
        Case(
            name: "a match with no condition",
            yaml: group + "  matches:\n  - name: all\n",
            expected: [
                #"bad.yaml:7:5: error: spec.matches[0]: a match needs at least one of pathRegex, methods or headers"#
            ]
        ),
        Case(
            name: "a rollout with both strategies",
            yaml: rollout
                + "  trafficSplit: web\n  canary: {stableService: a, canaryService: b, stepWeight: 10}\n  blueGreen: {activeService: a, previewService: b}\n",
            expected: [#"bad.yaml:8:14: error: spec.blueGreen: a rollout has either canary or blueGreen, not both"#]
        ),
        Case(
            name: "a rollout with no strategy",
            yaml: rollout + "  trafficSplit: web\n",
            expected: [#"bad.yaml:6:3: error: spec: needs a strategy: canary or blueGreen"#]
        ),
        Case(
            name: "canary steps: a weight above 100, a step with both, an empty step; steps with stepWeight",
            yaml: rollout
                + "  trafficSplit: web\n  canary:\n    stableService: a\n    canaryService: b\n    stepWeight: 5\n    steps:\n    - setWeight: 120\n    - {setWeight: 1, pause: {}}\n    - {}\n",
            expected: [
                #"bad.yaml:10:17: error: spec.canary.stepWeight: use either steps or stepWeight and maxWeight, not both"#,
                #"bad.yaml:12:18: error: spec.canary.steps[0].setWeight: expected a whole number from 0 to 100, got 120"#,
                #"bad.yaml:13:7: error: spec.canary.steps[1]: a step is either setWeight or pause, not both"#,
                #"bad.yaml:14:7: error: spec.canary.steps[2]: a step needs setWeight, pause, setHeaderRoute or setMirrorRoute"#,
            ]
        ),
        Case(
            name: "stepWeight above maxWeight",
            yaml: rollout
                + "  trafficSplit: web\n  canary: {stableService: a, canaryService: b, stepWeight: 60, maxWeight: 50}\n",
            expected: [#"bad.yaml:7:60: error: spec.canary.stepWeight: must not be more than maxWeight (50)"#]
        ),
        Case(
            name: "unknown metric, bad webhook type and URL",
            yaml: rollout
                + "  trafficSplit: web\n  canary:\n    stableService: a\n    canaryService: b\n    stepWeight: 10\n    analysis:\n      metrics:\n      - name: request-success\n        thresholdRange: {min: 99}\n      webhooks:\n      - {name: w, type: post-rollout, url: ftp://x}\n",
            expected: [
                #"bad.yaml:13:15: error: spec.canary.analysis.metrics[0].name: unknown metric "request-success", did you mean "request-success-rate"? (expected "request-success-rate", "request-duration")"#,
                #"bad.yaml:16:25: error: spec.canary.analysis.webhooks[0].type: unknown value "post-rollout", expected one of "pre-rollout", "confirm-promotion", "rollback""#,
                #"bad.yaml:16:44: error: spec.canary.analysis.webhooks[0].url: must be an http:// or https:// URL"#,
            ]
        ),
        Case(
            name: "a success rate above 100 percent",
            yaml: rollout
                + "  trafficSplit: web\n  canary:\n    stableService: a\n    canaryService: b\n    stepWeight: 10\n    analysis:\n      metrics: [{name: request-success-rate, thresholdRange: {min: 101}}]\n",
            expected: [
                #"bad.yaml:12:68: error: spec.canary.analysis.metrics[0].thresholdRange.min: expected a number from 0 to 100, got 101"#
            ]
        ),
        Case(
            name: "a list where a mapping belongs, a mapping where a list belongs",
            yaml: service + "  port: 80\n  command: {a: b}\n  healthCheck: [x]\n",
            expected: [
                #"bad.yaml:7:12: error: spec.command: expected a list, got a mapping"#,
                #"bad.yaml:8:16: error: spec.healthCheck: expected a mapping, got a list"#,
            ]
        ),
        Case(
            name: "a health check path without a slash, an empty endpoint list, replicas without command",
            yaml: service + "  port: 80\n  endpoints: []\n  replicas: 2\n  healthCheck: {path: healthz}\n",
            expected: [
                #"bad.yaml:7:14: error: spec.endpoints: must list at least one host:port"#,
                #"bad.yaml:8:13: error: spec.replicas: only allowed together with command"#,
                #"bad.yaml:9:23: error: spec.healthCheck.path: must start with "/""#,
            ]
        ),
        Case(
            name: "a relative workingDir, a workingDir without a command",
            yaml: service + "  port: 80\n  command: [x]\n  workingDir: www\n---\n" + service
                + "  port: 81\n  endpoints: [127.0.0.1:9]\n  workingDir: /srv\n",
            expected: [
                #"bad.yaml:8:15: error: spec.workingDir: must be an absolute path, got "www""#,
                #"bad.yaml:17:15: error: spec.workingDir: only allowed together with command"#,
            ]
        ),
        Case(
            name: "a terminationGracePeriod past an hour, one that is not a duration, one without a command",
            yaml: service + "  port: 80\n  command: [x]\n  terminationGracePeriod: 2h\n---\n" + service
                + "  port: 81\n  command: [x]\n  terminationGracePeriod: soon\n---\n" + service
                + "  port: 82\n  endpoints: [127.0.0.1:9]\n  terminationGracePeriod: 5s\n",
            expected: [
                #"bad.yaml:8:27: error: spec.terminationGracePeriod: must be at most 1h, got 2h"#,
                #"bad.yaml:17:27: error: spec.terminationGracePeriod: expected a duration such as 500ms, 1.5s, 1m or 1m30s, got "soon" (not a number followed by a unit)"#,
                #"bad.yaml:26:27: error: spec.terminationGracePeriod: only allowed together with command"#,
            ]
        ),
        Case(
            name: "too many replicas, a namespace that is not a DNS label",
            yaml:
                "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: Service\nmetadata:\n  name: a\n  namespace: My_NS\nspec:\n  port: 80\n  command: [x]\n  replicas: 65\n",
            expected: [
                #"bad.yaml:5:14: error: metadata.namespace: "My_NS" is not a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)"#,
                #"bad.yaml:9:13: error: spec.replicas: expected a whole number from 0 to 64, got 65"#,
            ]
        ),
        Case(
            name: "an empty retryOn list and too many attempts",
            yaml: retry + "  service: web\n  retryOn: []\n  attempts: 11\n",
            expected: [
                #"bad.yaml:7:12: error: spec.retryOn: must list at least one condition"#,
                #"bad.yaml:8:13: error: spec.attempts: expected a whole number from 0 to 10, got 11"#,
            ]
        ),
        Case(
            name: "maxWeight without stepWeight, a latency metric without thresholdRange, a webhook without url",
            yaml: rollout
                + "  trafficSplit: web\n  canary:\n    stableService: a\n    canaryService: b\n    maxWeight: 50\n    analysis:\n      metrics: [{name: request-duration}]\n      webhooks: [{name: w, type: rollback}]\n",
            expected: [
                #"bad.yaml:8:5: error: spec.canary.stepWeight: required field is missing"#,
                #"bad.yaml:12:17: error: spec.canary.analysis.metrics[0].thresholdRange: required field is missing"#,
                #"bad.yaml:13:18: error: spec.canary.analysis.webhooks[0].url: required field is missing"#,
            ]
        ),
        Case(
            name: "a pause with a bad duration, a preview with both header and port, a negative autoPromotionSeconds",
            yaml: rollout
                + "  trafficSplit: web\n  blueGreen:\n    activeService: a\n    previewService: b\n    preview: {header: {name: x}, port: 9}\n    autoPromotionSeconds: -1\n",
            expected: [
                #"bad.yaml:10:40: error: spec.blueGreen.preview.port: preview is either a header or a port, not both"#,
                #"bad.yaml:11:27: error: spec.blueGreen.autoPromotionSeconds: expected a whole number from 0 to 86400, got -1"#,
            ]
        ),
        Case(
            name: "a pause duration that is not a duration",
            yaml: rollout
                + "  trafficSplit: web\n  canary:\n    stableService: a\n    canaryService: b\n    steps: [{pause: {duration: soon}}]\n",
            expected: [
                #"bad.yaml:10:32: error: spec.canary.steps[0].pause.duration: expected a duration such as 500ms, 1.5s, 1m or 1m30s, got "soon" (not a number followed by a unit)"#
            ]
        ),
        Case(
            name: "a List with the wrong apiVersion and an unknown top-level field",
            yaml: "apiVersion: v2\nkind: List\nitems: []\nmetdata: {}\n",
            expected: [
                #"bad.yaml:1:13: error: apiVersion: a List has apiVersion "v1", got "v2""#,
                #"bad.yaml:4:1: error: metdata: unknown field "metdata", did you mean "metadata"?"#,
            ]
        ),
        Case(
            name: "a document that is not a mapping",
            yaml: "- just\n- a list\n",
            expected: [#"bad.yaml:1:1: error: expected a mapping, got a list"#]
        ),
    ]

    @Test(arguments: cases)
    func reportsExactly(_ testCase: Case) {
        #expect(errors(testCase.yaml, file: "bad.yaml") == testCase.expected)
    }

    @Test func everyErrorOfEveryDocumentIsReported() {
        let text = Self.service + "  port: x\n  command: [srv]\n---\n" + Self.service + "  port: 1\n  command: []\n"
        let report = loadManifests(text, file: "two.yaml")
        #expect(
            report.diagnostics.map(\.description) == [
                #"two.yaml:6:9: error: spec.port: expected a whole number from 1 to 65535, got "x""#,
                #"two.yaml:15:12: error: spec.command: must name a program to run"#,
            ]
        )
        #expect(report.summary == "2 errors in 2 objects (1 file)")
        #expect(report.objects.isEmpty)
    }

    @Test func scalarsDecodeByTheFieldsType() throws {
        // `no`, `on`, `1.0` and `~`-free values stay strings where the field is a string.
        let report = loadManifests(
            "apiVersion: mesh.meshctl.dev/v1alpha1\nkind: Service\nmetadata:\n  name: no\n  labels: {on: off, v: 1.0}\nspec:\n  port: 80\n  command: [yes, 0x10, true]\n"
        )
        #expect(report.diagnostics == [])
        let object = try #require(report.objects.first?.object)
        #expect(object.metadata.name == "no")
        #expect(object.metadata.labels == ["on": "off", "v": "1.0"])
        guard case .service(let service) = object else { throw TestFailure() }
        #expect(service.spec.workload == .command(.init(argv: ["yes", "0x10", "true"])))
    }
}
