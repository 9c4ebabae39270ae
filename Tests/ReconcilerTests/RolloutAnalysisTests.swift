import Manifests
import Testing

@testable import Reconciler

@Suite("rollout analysis: three outcomes")
struct RolloutAnalysisTests {
    let analysis = Rollout.Analysis(
        interval: .seconds(10),
        threshold: 2,
        minRequests: 10,
        metrics: [.successRate(min: 99), .latency(max: .milliseconds(500), percentile: 99)]
    )

    @Test func withinThresholdsPassesAndRecordsEachValue() {
        let sample = AnalysisSample(windowStart: 0, windowEnd: 10, requests: 200, successes: 199, latencyMs: [99: 120])
        let result = AnalysisEvaluator.evaluate(analysis, sample)
        #expect(result.outcome == .passed)
        #expect(result.checks.map(\.name) == ["request-success-rate", "request-duration"])
        #expect(result.checks.map(\.value) == [99.5, 120])
        #expect(result.checks.map(\.threshold) == [99, 500])
        #expect(result.checks.map(\.passed) == [true, true])
    }

    @Test func exactlyAtTheThresholdPasses() {
        let sample = AnalysisSample(windowStart: 0, windowEnd: 10, requests: 100, successes: 99, latencyMs: [99: 500])
        #expect(AnalysisEvaluator.evaluate(analysis, sample).outcome == .passed)
    }

    @Test func eachMetricOutsideItsThresholdGivesAReason() {
        let sample = AnalysisSample(windowStart: 0, windowEnd: 10, requests: 100, successes: 80, latencyMs: [99: 900])
        let result = AnalysisEvaluator.evaluate(analysis, sample)
        guard case .failed(let reasons) = result.outcome else {
            Issue.record("expected failed, got \(result.outcome)")
            return
        }
        #expect(
            reasons == [
                "request-success-rate 80% is below the minimum 99%",
                "request-duration 900ms is above the maximum 500ms",
            ]
        )
        #expect(result.checks.map(\.passed) == [false, false])
    }

    /// flagger #1035: a canary without traffic was rolled back. Too few requests is not a failure, even at 0% success.
    @Test func tooFewRequestsIsInconclusiveNeverFailed() {
        let sample = AnalysisSample(windowStart: 0, windowEnd: 10, requests: 3, successes: 0, latencyMs: [99: 9000])
        let result = AnalysisEvaluator.evaluate(analysis, sample)
        #expect(result.outcome == .inconclusive(reason: "3 requests in 10s, fewer than minRequests 10"))
        // Values are still shown, but not judged.
        #expect(result.checks.map(\.value) == [0, 9000])
        #expect(result.checks.map(\.passed) == [nil, nil])
    }

    @Test func noRequestsAtAllIsInconclusiveEvenWithMinRequestsZero() {
        var lenient = analysis
        lenient.minRequests = 0
        let result = AnalysisEvaluator.evaluate(
            lenient,
            AnalysisSample(windowStart: 0, windowEnd: 5, requests: 0, successes: 0)
        )
        #expect(result.outcome == .inconclusive(reason: "no requests to the new version in 5s"))
        #expect(result.checks.first?.value == nil)
    }

    @Test func aMissingPercentileIsInconclusiveButDoesNotHideAFailure() {
        let noLatency = AnalysisSample(windowStart: 0, windowEnd: 10, requests: 100, successes: 100)
        #expect(
            AnalysisEvaluator.evaluate(analysis, noLatency).outcome
                == .inconclusive(reason: "no data for request-duration")
        )
        let failingWithoutLatency = AnalysisSample(windowStart: 0, windowEnd: 10, requests: 100, successes: 50)
        guard case .failed = AnalysisEvaluator.evaluate(analysis, failingWithoutLatency).outcome else {
            Issue.record("a measured failure must not become inconclusive")
            return
        }
    }

    @Test func aLatencyAtAnotherPercentileIsReadFromItsOwnKey() {
        let p95 = Rollout.Analysis(metrics: [.latency(max: .milliseconds(100), percentile: 95)])
        let sample = AnalysisSample(
            windowStart: 0,
            windowEnd: 60,
            requests: 50,
            successes: 50,
            latencyMs: [99: 400, 95: 80]
        )
        let result = AnalysisEvaluator.evaluate(p95, sample)
        #expect(result.outcome == .passed)
        #expect(result.checks.first?.name == "request-duration p95")
        #expect(result.checks.first?.value == 80)
    }
}
