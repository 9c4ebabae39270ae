/// Percentiles from a cumulative Prometheus histogram, interpolated linearly inside the bucket as Prometheus'
/// `histogram_quantile` does.
public enum HistogramQuantile {
    /// `quantile` in 0...1; `buckets` maps upper bounds in seconds (+Inf included) to cumulative counts. Nil when
    /// the histogram is empty. A rank in the +Inf bucket reports the last finite bound (nothing better is known).
    public static func seconds(_ quantile: Double, buckets: [Double: Double]) -> Double? {
        let sorted = buckets.sorted { $0.key < $1.key }
        guard let total = sorted.last?.value, total > 0 else { return nil }
        let rank = total * min(1, max(0, quantile))
        var previous = (bound: 0.0, count: 0.0)
        for (bound, count) in sorted {
            if count >= rank && count > 0 {
                guard bound.isFinite else { return previous.bound }
                let share = count > previous.count ? (rank - previous.count) / (count - previous.count) : 1
                return previous.bound + (bound - previous.bound) * share
            }
            previous = (bound, count)
        }
        return previous.bound
    }
}
