/// Cumulative counters of one service label (`web`, `local:web`), summed over the proxies that report it: what two
/// scrapes a window apart are subtracted from. Gauges (ejected endpoints) are kept as they were at the scrape.
public struct TrafficCounters: Codable, Sendable, Hashable {
    /// Upstream answers of every try, by status class (`2xx`, `5xx`).
    public var answers: [String: Double] = [:]
    /// Answers the proxy made itself (502/503/504): no endpoint, timeout, connect failure, reset.
    public var ownAnswers: Double = 0
    /// gRPC answers (HTTP 2xx, so also in `answers["2xx"]`) whose `grpc-status` was not OK: failures all the same.
    public var grpcFailures: Double = 0
    /// Tries after the first.
    public var retries: Double = 0
    /// Client-visible latency, cumulative: upper bound in seconds → responses at or below it (+Inf included).
    public var buckets: [Double: Double] = [:]
    /// Responses clients got: the histogram's count, forwarded upstream answers plus the proxy's own answers.
    public var forwarded: Double = 0
    /// Endpoints (`host:port`) some proxy ejects or finds failing its health check right now.
    public var ejected: Set<String> = []

    public init() {}

    /// Every try that got an upstream answer.
    public var tries: Double { answers.values.reduce(0, +) }
    /// Failed upstream answers: 5xx, and gRPC answers with a non-OK status (docs/grpc.md).
    public var serverErrors: Double { (answers["5xx"] ?? 0) + grpcFailures }

    mutating func add(_ sample: PrometheusSample) {
        switch sample.name {
        case "mesh_requests_total":
            answers[sample.labels["code"] ?? "?", default: 0] += sample.value
        case "mesh_local_responses_total":
            ownAnswers += sample.value
        case "mesh_grpc_responses_total":
            if sample.labels["grpc_status"] != "0" { grpcFailures += sample.value }
        case "mesh_retries_total":
            retries += sample.value
        case "mesh_request_duration_seconds_bucket":
            if let bound = sample.labels["le"].flatMap(Double.init) { buckets[bound, default: 0] += sample.value }
        case "mesh_request_duration_seconds_count":
            forwarded += sample.value
        case "mesh_endpoint_ejected":
            if sample.value >= 1, let backend = sample.labels["backend"] { ejected.insert(backend) }
        default:
            break
        }
    }

    /// The sum of two labels' counters (a split's backends, one label over many proxies).
    public static func + (left: TrafficCounters, right: TrafficCounters) -> TrafficCounters {
        var sum = left
        sum.answers.merge(right.answers, uniquingKeysWith: +)
        sum.ownAnswers += right.ownAnswers
        sum.grpcFailures += right.grpcFailures
        sum.retries += right.retries
        sum.buckets.merge(right.buckets, uniquingKeysWith: +)
        sum.forwarded += right.forwarded
        sum.ejected.formUnion(right.ejected)
        return sum
    }

    /// The traffic between two scrapes. A restarted proxy resets its counters: a negative difference counts as
    /// zero, never as negative traffic. Gauges come from the later scrape.
    public func since(_ earlier: TrafficCounters) -> TrafficCounters {
        var delta = TrafficCounters()
        for (code, value) in answers { delta.answers[code] = max(0, value - (earlier.answers[code] ?? 0)) }
        delta.ownAnswers = max(0, ownAnswers - earlier.ownAnswers)
        delta.grpcFailures = max(0, grpcFailures - earlier.grpcFailures)
        delta.retries = max(0, retries - earlier.retries)
        for (bound, value) in buckets { delta.buckets[bound] = max(0, value - (earlier.buckets[bound] ?? 0)) }
        delta.forwarded = max(0, forwarded - earlier.forwarded)
        delta.ejected = ejected
        return delta
    }
}
