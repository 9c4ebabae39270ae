import Foundation
@testable import MeshTelemetry
import Testing


/// The window arithmetic of `meshctl stat` on fixed metric texts: diffs, success rates before and after retries,
/// percentiles, split rows.
@Suite("stat window math")
struct StatMathTests {
    /// The gateway at the start of a window: traffic that must not count.
    private let gatewayStart = """
        # TYPE mesh_requests_total counter
        mesh_requests_total{service="web-v1",backend="127.0.0.1:7001",code="2xx"} 100
        mesh_requests_total{service="web-v1",backend="127.0.0.1:7001",code="5xx"} 20
        mesh_local_responses_total{service="web-v1",reason="timeout"} 3
        mesh_retries_total{service="web-v1"} 7
        mesh_request_duration_seconds_bucket{service="web-v1",le="0.01"} 50
        mesh_request_duration_seconds_bucket{service="web-v1",le="0.025"} 100
        mesh_request_duration_seconds_bucket{service="web-v1",le="0.05"} 113
        mesh_request_duration_seconds_bucket{service="web-v1",le="+Inf"} 116
        mesh_request_duration_seconds_count{service="web-v1"} 116
        mesh_endpoint_ejected{service="web-v1",backend="127.0.0.1:7001"} 1
        """
    /// Ten seconds later: 110 tries (80 2xx, 30 5xx), 10 of them retried, 100 forwarded, 5 own timeouts.
    private let gatewayEnd = """
        mesh_requests_total{service="web-v1",backend="127.0.0.1:7001",code="2xx"} 150
        mesh_requests_total{service="web-v1",backend="127.0.0.1:7002",code="2xx"} 30
        mesh_requests_total{service="web-v1",backend="127.0.0.1:7001",code="5xx"} 50
        mesh_local_responses_total{service="web-v1",reason="timeout"} 8
        mesh_retries_total{service="web-v1"} 17
        mesh_request_duration_seconds_bucket{service="web-v1",le="0.01"} 60
        mesh_request_duration_seconds_bucket{service="web-v1",le="0.025"} 190
        mesh_request_duration_seconds_bucket{service="web-v1",le="0.05"} 213
        mesh_request_duration_seconds_bucket{service="web-v1",le="+Inf"} 221
        mesh_request_duration_seconds_count{service="web-v1"} 221
        mesh_endpoint_ejected{service="web-v1",backend="127.0.0.1:7001"} 0
        mesh_endpoint_ejected{service="web-v1",backend="127.0.0.1:7002"} 1
        mesh_requests_total{service="local:web-v1",backend="127.0.0.1:9000",code="2xx"} 99999
        """

    private func scrape(_ text: String, at time: Double) -> MeshScrape {
        var scrape = MeshScrape(time: time)
        scrape.add(metrics: text)
        return scrape
    }

    @Test func effectiveCountsWhatClientsGotAndActualCountsEveryTry() throws {
        let topology = StatTopology(services: ["web-v1"], splits: [])
        let rows = topology.rows(from: scrape(gatewayStart, at: 100), to: scrape(gatewayEnd, at: 110))
        let metrics = try #require(rows.first?.metrics)
        #expect(rows.count == 1)
        // 100 forwarded + 5 own answers; failures: 30 upstream 5xx − 10 replaced by retries + 5 own = 25.
        #expect(metrics.requests == 105)
        #expect(abs(metrics.requestsPerSecond - 10.5) < 1e-9)
        #expect(abs(try #require(metrics.effectiveSuccess) - 80.0 / 105) < 1e-9)
        #expect(abs(try #require(metrics.actualSuccess) - 80.0 / 110) < 1e-9)
        #expect(abs(metrics.retriesPerSecond - 1.0) < 1e-9)
        // Only what is ejected at the end of the window.
        #expect(metrics.ejectedEndpoints == 1)
    }

    @Test func aGRPCAnswerWithANonOKStatusIsAFailureThoughItIsHTTP200() throws {
        let start = """
            mesh_requests_total{service="api",backend="127.0.0.1:7001",code="2xx"} 0
            mesh_grpc_responses_total{service="api",backend="127.0.0.1:7001",grpc_status="0"} 0
            mesh_request_duration_seconds_count{service="api"} 0
            """
        let end = """
            mesh_requests_total{service="api",backend="127.0.0.1:7001",code="2xx"} 100
            mesh_grpc_responses_total{service="api",backend="127.0.0.1:7001",grpc_status="0"} 80
            mesh_grpc_responses_total{service="api",backend="127.0.0.1:7001",grpc_status="14"} 20
            mesh_request_duration_seconds_count{service="api"} 100
            """
        let topology = StatTopology(services: ["api"], splits: [])
        let metrics = try #require(topology.rows(from: scrape(start, at: 0), to: scrape(end, at: 10)).first?.metrics)
        #expect(metrics.requests == 100)
        #expect(abs(try #require(metrics.effectiveSuccess) - 0.8) < 1e-9)
        #expect(abs(try #require(metrics.actualSuccess) - 0.8) < 1e-9)
    }

    @Test func percentilesInterpolateInsideTheWindowsBuckets() throws {
        let topology = StatTopology(services: ["web-v1"], splits: [])
        let metrics = try #require(topology.rows(from: scrape(gatewayStart, at: 0), to: scrape(gatewayEnd, at: 10))
            .first?.metrics)
        // Window buckets: 10 ≤ 10 ms, 90 ≤ 25 ms, 100 ≤ 50 ms, 105 in all (the 5 own timeouts are slower than
        // 50 ms). p50: rank 52.5 is 42.5/80 of the way through (10 ms, 25 ms]; p99 lies past the last finite bound.
        #expect(abs(try #require(metrics.p50Ms) - 17.96875) < 1e-9)
        #expect(abs(try #require(metrics.p95Ms) - 49.375) < 1e-9)
        #expect(abs(try #require(metrics.p99Ms) - 50) < 1e-9)
    }

    @Test func quantileEdgeCases() {
        #expect(HistogramQuantile.seconds(0.5, buckets: [:]) == nil)
        #expect(HistogramQuantile.seconds(0.5, buckets: [0.1: 0, .infinity: 0]) == nil)
        // Everything slower than the last finite bound: the bound is the best that is known.
        #expect(HistogramQuantile.seconds(0.99, buckets: [0.1: 0, 0.5: 0, .infinity: 10]) == 0.5)
        // All in the first bucket: interpolated from zero.
        #expect(HistogramQuantile.seconds(0.5, buckets: [0.02: 4, .infinity: 4]) == 0.01)
    }

    @Test func aRestartedProxyNeverMakesNegativeTraffic() throws {
        let topology = StatTopology(services: ["web-v1"], splits: [])
        let metrics = try #require(topology.rows(from: scrape(gatewayEnd, at: 0), to: scrape(gatewayStart, at: 10))
            .first?.metrics)
        #expect(metrics.requests >= 0 && metrics.retriesPerSecond >= 0)
        let quiet = try #require(topology.rows(from: scrape("", at: 0), to: scrape("", at: 10)).first?.metrics)
        #expect(quiet.requests == 0 && quiet.effectiveSuccess == nil && quiet.p50Ms == nil)
        #expect(StatTable.cells(StatRow(kind: "Service", name: "web-v1", metrics: quiet))[2] == "-")
    }

    @Test func aSplitRowSumsItsBackendsAndEachBackendHasItsOwn() throws {
        let v2 = gatewayEnd.replacingOccurrences(of: "\"web-v1\"", with: "\"web-v2\"")
        var end = scrape(gatewayEnd, at: 10)
        end.add(metrics: v2)
        let topology = StatTopology(
            services: ["web", "web-v1", "web-v2"],
            splits: [StatTopology.Split(name: "web-split", root: "web", backends: ["web-v1", "web-v2"])])
        let rows = topology.rows(from: scrape(gatewayStart, at: 0), to: end)
        #expect(rows.map(\.name) == ["web", "web-v1", "web-v2", "web-v1", "web-v2"])
        #expect(rows.map(\.parent) == [nil, "web", "web", nil, nil])
        #expect(rows[0].metrics.requests == rows[1].metrics.requests + rows[2].metrics.requests)
        #expect(rows[1].metrics.requests == 105)  // web-v1 started at the first fixture
        #expect(rows[2].metrics.requests == 221)  // web-v2 had nothing before: 213 forwarded + 8 own
        let only = topology.rows(from: scrape(gatewayStart, at: 0), to: end, only: ("TrafficSplit", "web-split"))
        #expect(only.map(\.name) == ["web", "web-v1", "web-v2"])
        #expect(topology.rows(from: scrape("", at: 0), to: end, only: ("Service", "web-v2")).map(\.name) == ["web-v2"])
    }

    @Test func splitsAreReadFromTheOperatorsObjectList() {
        let body = #"{"apiVersion":"v1","kind":"List","items":[{"metadata":{"name":"web"},"spec":{"service":"web","#
            + #""backends":[{"service":"web-v1","weight":90},{"service":"web-v2","weight":10}]}}]}"#
        #expect(MeshScraper.splits(Array(body.utf8))
            == [StatTopology.Split(name: "web", root: "web", backends: ["web-v1", "web-v2"])])
    }

    @Test func zeroSamplesAndOtherMetricsAreSkippedBeforeParsing() {
        let text = "# HELP mesh_requests_total x\nmesh_requests_total{service=\"a\",code=\"2xx\"} 10\n"
            + "mesh_requests_total{service=\"a\",code=\"5xx\"} 0\nprocess_cpu_seconds_total 5\nmesh_endpoint_ejected{service=\"a\"} 0.0\n"
            + "mesh_endpoint_healthy{service=\"a\"} 1\nmesh_retries_total{service=\"a\"} 0.5"
        let samples = PrometheusSample.parseNonZeroMesh(text)
        #expect(samples.map(\.value) == [10, 0.5])
        #expect(samples.first?.labels == ["service": "a", "code": "2xx"])
        #expect(PrometheusSample.parseNonZeroMesh("").isEmpty)
    }
}
