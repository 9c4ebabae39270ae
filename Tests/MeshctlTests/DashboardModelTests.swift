import Foundation
import MeshTelemetry
import OperatorAPI
@testable import OperatorCore
import Reconciler
import Testing


/// The dashboard's pure parts: the graph from per-caller scrapes, the bounded rollout history, the operator's
/// Prometheus text, and reading thresholds from a stored Rollout.
@Suite("dashboard model")
struct DashboardModelTests {
    /// A proxy's metrics text: `tries` answers (`failed` of them 5xx) for `service`, all within 25 ms.
    private func metrics(_ service: String, tries: Int, failed: Int = 0) -> String {
        """
        mesh_requests_total{service="\(service)",backend="127.0.0.1:1",code="2xx"} \(tries - failed)
        mesh_requests_total{service="\(service)",backend="127.0.0.1:1",code="5xx"} \(failed)
        mesh_request_duration_seconds_bucket{service="\(service)",le="0.025"} \(tries)
        mesh_request_duration_seconds_bucket{service="\(service)",le="+Inf"} \(tries)
        mesh_request_duration_seconds_count{service="\(service)"} \(tries)

        """
    }

    private func scrape(at time: Double, _ texts: String...) -> MeshScrape {
        var scrape = MeshScrape(time: time)
        for text in texts { scrape.add(metrics: text) }
        return scrape
    }

    private let topology = DashboardTopology(
        services: ["api", "web", "web-primary", "web-canary"],
        splits: [.init(name: "web", root: "web", backends: ["web-primary", "web-canary"],
                       weights: ["web-primary": 80, "web-canary": 20])])

    @Test func splitBackendsCountAsCallsToTheRootAndSharesFromIt() throws {
        // Over 10 s the gateway sent 80 requests to web-primary and 20 to web-canary (5 failed); web's sidecars
        // called api 50 times.
        let start = ["gateway": scrape(at: 0), "web-primary": scrape(at: 0)]
        let end = [
            "gateway": scrape(at: 10, metrics("web-primary", tries: 80), metrics("web-canary", tries: 20, failed: 5)),
            "web-primary": scrape(at: 10, metrics("api", tries: 50)),
        ]
        let graph = DashboardGraph.build(topology: topology, from: start, to: end)
        #expect(graph.windowSeconds == 10)
        let call = try #require(graph.edges.first { $0.from == "gateway" && $0.to == "web" })
        #expect(call.kind == "call" && abs(call.requestsPerSecond - 10) < 1e-9)
        #expect(abs(try #require(call.successRate) - 0.95) < 1e-9)
        let canary = try #require(graph.edges.first { $0.from == "web" && $0.to == "web-canary" })
        #expect(canary.kind == "split" && canary.weight == 20 && abs(canary.requestsPerSecond - 2) < 1e-9)
        #expect(abs(try #require(canary.successRate) - 0.75) < 1e-9)
        #expect(graph.edges.contains { $0.from == "web-primary" && $0.to == "api" && $0.requestsPerSecond == 5 })
        // Layers: gateway, then web, then its backends, then what they call.
        let layers = Dictionary(uniqueKeysWithValues: graph.nodes.map { ($0.id, $0.layer) })
        #expect(layers == ["gateway": 0, "web": 1, "web-primary": 2, "web-canary": 2, "api": 3])
        #expect(graph.nodes.first { $0.id == "web" }?.kind == "split")
    }

    @Test func splitEdgesShowBeforeAnyTrafficAndCyclesStayBounded() {
        let graph = DashboardGraph.build(
            topology: DashboardTopology(services: ["a", "b"], splits: topology.splits),
            from: [:], to: ["a": scrape(at: 1, metrics("b", tries: 1)), "b": scrape(at: 1, metrics("a", tries: 1))])
        #expect(graph.edges.contains { $0.from == "web" && $0.to == "web-canary" && $0.weight == 20 })
        #expect(graph.nodes.allSatisfy { $0.layer <= graph.nodes.count })
        #expect(!graph.nodes.contains { $0.id == "gateway" })
    }

    @Test func historyKeepsAtMostCapacityPointsPerRollout() async {
        let history = DashboardHistory(capacity: 4, windowSamples: 2)
        let targets = RolloutTargets(name: "web", trafficSplit: "web", strategy: "canary", stableService: "web-primary",
                                     newService: "web-canary", successRateMin: 99, latencyMaxMs: 500)
        let state = RolloutState(stableRevision: "rev-a", now: 0)
        for second in 0..<10 {
            let canary = scrape(at: Double(second), metrics("local:web-canary", tries: second * 10, failed: second))
            await history.record(time: Double(second), topology: topology, callers: ["web-canary": canary],
                                 rollouts: [(targets, state)])
        }
        let series = await history.rollouts
        #expect(series.count == 1)
        #expect(series[0].points.map(\.time) == [6, 7, 8, 9])
        // Over the last two intervals: 20 answers, 2 of them 5xx.
        #expect(abs((series[0].points.last?.successRate ?? 0) - 90) < 1e-9)
        #expect(series[0].points.last?.latencyMs != nil)
        #expect(await history.samples == 10)
        // A rollout that is gone leaves the history.
        await history.record(time: 11, topology: topology, callers: [:], rollouts: [])
        #expect(await history.rollouts.isEmpty)
    }

    @Test func operatorMetricsTextIsPrometheusShaped() {
        var metrics = OperatorMetrics()
        metrics.recordPass(seconds: 0.003, actions: 2, failed: false)
        metrics.recordPass(seconds: 0.2, actions: 0, failed: true)
        metrics.recordPush(ok: true)
        metrics.recordPush(ok: false)
        let process = ProcessView(slot: "web/sidecar/0", role: "sidecar", service: "web", replica: 0, pid: 1,
                                  state: "ready", revision: "r", ports: [:], configVersion: nil,
                                  desiredConfigVersion: nil, restarts: 0)
        let inputs = ReconcileLoop.DashboardInputs(
            processes: [process], rollouts: ["web": RolloutState(stableRevision: "rev-a", now: 0)], metrics: metrics,
            pendingKick: true)
        let targets = RolloutTargets(name: "web", trafficSplit: "web", strategy: "canary", stableService: "web-primary",
                                     newService: "web-canary")
        let text = OperatorMetricsText.render(inputs, rollouts: [targets], dashboardSamples: 3)
        let lines = Set(text.split(separator: "\n").map(String.init))
        for expected in [
            "mesh_operator_reconcile_passes_total 2", "mesh_operator_reconcile_errors_total 1",
            #"mesh_operator_reconcile_duration_seconds_bucket{le="0.0025"} 0"#,
            #"mesh_operator_reconcile_duration_seconds_bucket{le="0.005"} 1"#,
            #"mesh_operator_reconcile_duration_seconds_bucket{le="0.25"} 2"#,
            #"mesh_operator_reconcile_duration_seconds_bucket{le="+Inf"} 2"#,
            "mesh_operator_reconcile_duration_seconds_count 2", "mesh_operator_pending_triggers 1",
            "mesh_operator_config_pushes_total 2", "mesh_operator_config_push_failures_total 1",
            #"mesh_operator_processes{role="sidecar",state="ready"} 1"#,
            #"mesh_operator_processes{role="workload",state="ready"} 0"#,
            #"mesh_operator_rollout_phase{rollout="web",phase="Healthy"} 1"#,
            #"mesh_operator_rollout_phase{rollout="web",phase="Progressing"} 0"#,
            #"mesh_operator_rollout_weight{rollout="web",backend="web-primary",side="stable"} 100"#,
            #"mesh_operator_rollout_weight{rollout="web",backend="web-canary",side="canary"} 0"#,
            "mesh_operator_dashboard_samples_total 3",
            "# TYPE mesh_operator_reconcile_duration_seconds histogram",
        ] {
            #expect(lines.contains(expected), "missing \(expected)")
        }
        // Every sample line is `name{labels} number` (what Prometheus' parser needs).
        for line in lines where !line.hasPrefix("#") {
            #expect(Double(line.split(separator: " ").last ?? "") != nil, "\(line)")
        }
    }

    @Test func rolloutTargetsReadThresholdsFromTheCanonicalSpec() throws {
        let spec = #"""
            {"trafficSplit":"web","canary":{"stableService":"a","canaryService":"b","steps":[],
             "analysis":{"interval":"1s","metrics":[{"name":"request-success-rate","thresholdRange":{"min":99.5}},
             {"name":"request-duration","thresholdRange":{"max":250},"percentile":95}]}}}
            """#
        let targets = try #require(RolloutTargets(name: "web", specJSON: Data(spec.utf8)))
        #expect(targets.stableService == "a" && targets.newService == "b" && targets.strategy == "canary")
        #expect(targets.successRateMin == 99.5 && targets.latencyMaxMs == 250 && targets.latencyPercentile == 95)
        let blueGreen = #"{"trafficSplit":"s","blueGreen":{"activeService":"x","previewService":"y"}}"#
        let other = try #require(RolloutTargets(name: "bg", specJSON: Data(blueGreen.utf8)))
        #expect(other.strategy == "blueGreen" && other.successRateMin == nil && other.newService == "y")
        #expect(RolloutTargets(name: "bad", specJSON: Data("{}".utf8)) == nil)
    }

    @Test func httpAddressAcceptsLoopbackOnly() {
        #expect(HTTPListenAddress(parsing: "127.0.0.1:9901") == HTTPListenAddress(host: "127.0.0.1", port: 9901))
        #expect(HTTPListenAddress(parsing: "localhost:0")?.host == "127.0.0.1")
        #expect(HTTPListenAddress(parsing: "[::1]:80")?.description == "[::1]:80")
        #expect(HTTPListenAddress(parsing: "0.0.0.0:9901") == nil)
        #expect(HTTPListenAddress(parsing: "127.0.0.1:70000") == nil)
        #expect(HTTPListenAddress(parsing: "9901") == nil)
    }
}
