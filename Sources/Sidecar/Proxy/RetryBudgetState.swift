/// Placeholder retry budget (replaced by `TrafficPolicy.RetryBudget`): each request deposits `percent`/100 of a
/// token, a retry withdraws one, and `minRetriesPerSecond` tokens are granted per second, capped to one second's
/// worth so an idle period cannot bank a storm.
final class RetryBudgetState {
    var ratio: Double
    var minPerSecond: Double
    private var tokens: Double = 0
    private var reserveStamp: UInt64 = 0
    private var reserve: Double = 0

    init(percent: Double, minRetriesPerSecond: Int) {
        self.ratio = percent / 100
        self.minPerSecond = Double(minRetriesPerSecond)
        self.reserve = Double(minRetriesPerSecond)
    }

    func recordRequest() { tokens = Swift.min(tokens + ratio, 1_000_000) }

    func tryWithdraw(now: UInt64) -> Bool {
        if tokens >= 1 {
            tokens -= 1
            return true
        }
        let elapsed = Double(now &- reserveStamp) / 1e9
        reserveStamp = now
        reserve = Swift.min(minPerSecond, reserve + elapsed * minPerSecond)
        if reserve >= 1 {
            reserve -= 1
            return true
        }
        return false
    }
}
