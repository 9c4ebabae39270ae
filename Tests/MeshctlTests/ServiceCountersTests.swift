import Reconciler
import Testing

@testable import OperatorCore

@Suite("canary counters from sidecar metrics")
struct ServiceCountersTests {
    private let scrape1 = """
        # HELP mesh_requests_total Responses
        mesh_requests_total{service="local:web-v2",backend="127.0.0.1:1",code="2xx"} 90
        mesh_requests_total{service="local:web-v2",backend="127.0.0.1:1",code="5xx"} 10
        mesh_requests_total{service="web-v1",backend="127.0.0.1:2",code="5xx"} 999
        mesh_local_responses_total{service="local:web-v2",reason="timeout"} 0
        mesh_request_duration_seconds_bucket{service="local:web-v2",le="0.005"} 50
        mesh_request_duration_seconds_bucket{service="local:web-v2",le="0.01"} 100
        mesh_request_duration_seconds_bucket{service="local:web-v2",le="+Inf"} 100
        """
    private let scrape2 = """
        mesh_requests_total{service="local:web-v2",backend="127.0.0.1:1",code="2xx"} 180
        mesh_requests_total{service="local:web-v2",backend="127.0.0.1:1",code="5xx"} 20
        mesh_local_responses_total{service="local:web-v2",reason="timeout"} 10
        mesh_request_duration_seconds_bucket{service="local:web-v2",le="0.005"} 50
        mesh_request_duration_seconds_bucket{service="local:web-v2",le="0.01"} 150
        mesh_request_duration_seconds_bucket{service="local:web-v2",le="+Inf"} 210
        """

    @Test func aWindowCountsOnlyItsOwnTrafficOfItsOwnService() {
        var start = ServiceCounters()
        start.add(metrics: scrape1, localService: "local:web-v2")
        var end = ServiceCounters()
        end.add(metrics: scrape2, localService: "local:web-v2")
        let sample = ServiceCounters.sample(from: start, to: end, windowStart: 0, windowEnd: 5, percentiles: [50, 99])
        #expect(sample.requests == 110)  // 90 + 10 upstream answers, 10 of the proxy's own
        #expect(sample.successes == 90)
        #expect(sample.latencyMs[50]! > 5 && sample.latencyMs[50]! <= 10)  // 55th of 110 lies in (5 ms, 10 ms]
        #expect(sample.latencyMs[99] == 10)  // the +Inf bucket reports the last finite bound
    }

    @Test func aGRPCCallAnsweredWithUnavailableCountsAsAFailure() {
        var start = ServiceCounters()
        start.add(metrics: """
            mesh_requests_total{service="local:api",backend="127.0.0.1:1",code="2xx"} 0
            """, localService: "local:api")
        var end = ServiceCounters()
        end.add(metrics: """
            mesh_requests_total{service="local:api",backend="127.0.0.1:1",code="2xx"} 50
            mesh_grpc_responses_total{service="local:api",backend="127.0.0.1:1",grpc_status="0"} 40
            mesh_grpc_responses_total{service="local:api",backend="127.0.0.1:1",grpc_status="14"} 10
            """, localService: "local:api")
        let sample = ServiceCounters.sample(from: start, to: end, windowStart: 0, windowEnd: 5, percentiles: [])
        #expect(sample.requests == 50)
        #expect(sample.successes == 40)
    }

    @Test func restartedSidecarsNeverMakeNegativeTraffic() {
        var start = ServiceCounters()
        start.add(metrics: scrape2, localService: "local:web-v2")
        let sample = ServiceCounters.sample(from: start, to: ServiceCounters(), windowStart: 0, windowEnd: 5,
                                            percentiles: [99])
        #expect(sample.requests == 0 && sample.successes == 0)
    }
}
