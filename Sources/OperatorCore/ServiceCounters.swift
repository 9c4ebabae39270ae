import MeshTelemetry
import Reconciler

/// Cumulative request counters of one service's traffic, summed over the sidecars in front of its replicas: what a
/// canary analysis window subtracts to get a sample.
struct ServiceCounters: Codable, Sendable, Hashable {
    init() {}

    var requests: Double = 0
    var failures: Double = 0
    /// Cumulative latency histogram: upper bound in seconds → requests at or below it.
    var buckets: [Double: Double] = [:]

    /// Adds what one sidecar reports for its local service (`local:NAME`): upstream answers by status class, and the
    /// proxy's own answers (503/504/502), which count as failures; so does a gRPC answer with a non-OK
    /// `grpc-status` (HTTP 200, already counted as a request).
    mutating func add(metrics text: String, localService: String) {
        for sample in PrometheusSample.parse(text) where sample.labels["service"] == localService {
            switch sample.name {
            case "mesh_requests_total":
                requests += sample.value
                if sample.labels["code"] == "5xx" { failures += sample.value }
            case "mesh_local_responses_total":
                requests += sample.value
                failures += sample.value
            case "mesh_grpc_responses_total":
                if sample.labels["grpc_status"] != "0" { failures += sample.value }
            case "mesh_request_duration_seconds_bucket":
                if let bound = sample.labels["le"].flatMap(Double.init) { buckets[bound, default: 0] += sample.value }
            default:
                break
            }
        }
    }

    private enum CodingKeys: String, CodingKey { case requests, failures, buckets }

    /// Buckets are stored by their Prometheus `le` text (`"0.05"`, `"+Inf"`): JSON has no infinity, and the
    /// `+Inf` bucket is in every histogram, so the default encoding threw on any window that saw traffic, and the
    /// rollout record holding these counters was never saved again (a restarted operator then resumed a stale
    /// rollout). Records saved before this (buckets as alternating numbers) still decode.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        requests = try container.decodeIfPresent(Double.self, forKey: .requests) ?? 0
        failures = try container.decodeIfPresent(Double.self, forKey: .failures) ?? 0
        if let named = try? container.decodeIfPresent([String: Double].self, forKey: .buckets) {
            for (bound, count) in named { if let value = Double(bound) { buckets[value] = count } }
        } else if let pairs = try? container.decodeIfPresent([Double].self, forKey: .buckets) {
            for index in stride(from: 0, to: pairs.count - 1, by: 2) { buckets[pairs[index]] = pairs[index + 1] }
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(requests, forKey: .requests)
        try container.encode(failures, forKey: .failures)
        let named = Dictionary(uniqueKeysWithValues: buckets.map { ($0.key.isInfinite ? "+Inf" : "\($0.key)", $0.value) })
        try container.encode(named, forKey: .buckets)
    }

    /// The traffic between two snapshots, as an analysis sample. A restarted sidecar resets its counters; negative
    /// differences count as zero rather than as negative traffic.
    static func sample(from start: ServiceCounters, to end: ServiceCounters, windowStart: Double, windowEnd: Double,
                       percentiles: [Double]) -> AnalysisSample {
        let requests = max(0, end.requests - start.requests)
        let failures = min(requests, max(0, end.failures - start.failures))
        var delta: [Double: Double] = [:]
        for (bound, count) in end.buckets { delta[bound] = max(0, count - (start.buckets[bound] ?? 0)) }
        var latency: [Double: Double] = [:]
        for percentile in percentiles {
            if let seconds = HistogramQuantile.seconds(percentile / 100, buckets: delta) {
                latency[percentile] = seconds * 1000
            }
        }
        return AnalysisSample(windowStart: windowStart, windowEnd: windowEnd, requests: Int(requests),
                              successes: Int(requests - failures), latencyMs: latency)
    }
}
