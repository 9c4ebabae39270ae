/// A service's golden metrics over one window, as `meshctl stat` and `meshctl top` show them.
public struct GoldenMetrics: Codable, Sendable, Hashable {
    /// Answers clients got (upstream answers forwarded plus the proxy's own), per second.
    public var requestsPerSecond: Double
    /// Answers clients got in the window.
    public var requests: Double
    /// Share of client-visible answers that were not 5xx, after retries; nil without traffic.
    public var effectiveSuccess: Double?
    /// Share of tries whose upstream answer was not 5xx, before retries; nil without tries.
    public var actualSuccess: Double?
    /// Client-visible latency in milliseconds (retries included); nil without forwarded responses.
    public var p50Ms: Double?
    public var p95Ms: Double?
    public var p99Ms: Double?
    public var retriesPerSecond: Double
    /// Endpoints ejected (or failing health checks) at the end of the window.
    public var ejectedEndpoints: Int

    /// The metrics of the traffic in `delta` (already the difference of two scrapes) over `seconds`.
    ///
    /// Effective failures are the proxy's own answers plus the 5xx answers that reached clients. A try whose answer
    /// was retried is never forwarded, so forwarded 5xx = upstream 5xx − (tries − forwarded); this is exact when
    /// the retried answers were 5xx, which is what retry policies retry on (409/429 retries would be counted here
    /// as 5xx that were replaced — the proxies do not count them apart).
    public init(delta: TrafficCounters, seconds: Double) {
        let window = max(seconds, 0.001)
        let tries = delta.tries
        // The histogram counts the proxy's own answers too (they are latency clients saw): take them out.
        let forwarded = min(max(0, delta.forwarded - delta.ownAnswers), tries)
        let replaced = max(0, tries - forwarded)
        let forwardedErrors = max(0, delta.serverErrors - replaced)
        requests = forwarded + delta.ownAnswers
        requestsPerSecond = requests / window
        effectiveSuccess = requests > 0 ? 1 - min(requests, forwardedErrors + delta.ownAnswers) / requests : nil
        actualSuccess = tries > 0 ? 1 - min(tries, delta.serverErrors) / tries : nil
        p50Ms = HistogramQuantile.seconds(0.50, buckets: delta.buckets).map { $0 * 1000 }
        p95Ms = HistogramQuantile.seconds(0.95, buckets: delta.buckets).map { $0 * 1000 }
        p99Ms = HistogramQuantile.seconds(0.99, buckets: delta.buckets).map { $0 * 1000 }
        retriesPerSecond = delta.retries / window
        ejectedEndpoints = delta.ejected.count
    }
}
