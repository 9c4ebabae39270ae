/// What the sidecars saw of the new side during one analysis window, read by the caller from their metrics
/// (counters and latency histograms, as deltas between two snapshots). The machine only ever sees numbers, never a
/// sidecar.
public struct AnalysisSample: Codable, Sendable, Hashable {
    /// When the caller took the snapshot this window starts from (seconds, on the machine's clock). A sample whose
    /// window starts before the weight it should judge was confirmed is ignored: it mixes in traffic of another weight.
    public var windowStart: Double
    /// When the caller read the counters for this sample.
    public var windowEnd: Double
    /// Requests answered by the new side in the window.
    public var requests: Int
    /// Of those, answers that were not 5xx (and not a proxy-generated failure such as a refused connection).
    public var successes: Int
    /// Latency in milliseconds at each percentile the caller measured (key 99 = p99). A percentile the analysis asks
    /// for but the sample lacks makes that metric "no data" (inconclusive), never failed.
    public var latencyMs: [Double: Double]

    public init(
        windowStart: Double,
        windowEnd: Double,
        requests: Int,
        successes: Int,
        latencyMs: [Double: Double] = [:]
    ) {
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.requests = requests
        self.successes = successes
        self.latencyMs = latencyMs
    }

    /// Percent of non-5xx answers, nil without requests (no data is not 0%).
    public var successRate: Double? {
        requests > 0 ? Double(min(successes, requests)) / Double(requests) * 100 : nil
    }

    /// Latency at `percentile`, matching within a hundredth so that 99.9 read back from a histogram label still matches.
    public func latency(atPercentile percentile: Double) -> Double? {
        if let exact = latencyMs[percentile] { return exact }
        return latencyMs.first { abs($0.key - percentile) < 0.01 }?.value
    }
}
