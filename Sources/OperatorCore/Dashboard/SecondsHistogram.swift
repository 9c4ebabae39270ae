/// A Prometheus histogram of durations in seconds, as plain values the reconcile loop owns (cumulative buckets with
/// `le` semantics, a sum and a count).
struct SecondsHistogram: Sendable, Hashable {
    let bounds: [Double]
    private(set) var buckets: [Int]
    private(set) var sum = 0.0
    private(set) var count = 0

    init(bounds: [Double]) {
        self.bounds = bounds
        self.buckets = [Int](repeating: 0, count: bounds.count)
    }

    mutating func record(_ seconds: Double) {
        count += 1
        sum += seconds
        for (index, bound) in bounds.enumerated() where seconds <= bound { buckets[index] += 1 }
    }

    /// The `_bucket`, `_sum` and `_count` samples of `name`, each passed to `sample(name, labels, value)`.
    func samples(_ name: String, format: (Double) -> String, _ sample: (String, [(String, String)], Double) -> Void) {
        for (index, bound) in bounds.enumerated() {
            sample("\(name)_bucket", [("le", format(bound))], Double(buckets[index]))
        }
        sample("\(name)_bucket", [("le", "+Inf")], Double(count))
        sample("\(name)_sum", [], sum)
        sample("\(name)_count", [], Double(count))
    }
}
