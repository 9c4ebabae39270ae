import Testing
import TrafficPolicy

@Suite struct RetryBudgetTests {
    private static let second: UInt64 = 1_000_000_000

    @Test func aQuietServiceGetsTheMinimumRetriesPerSecondTimesTheWindow() {
        var budget = RetryBudget(configuration: .init(retryRatio: 0.2, minRetriesPerSecond: 2, ttl: 10 * Self.second))
        #expect(budget.retriesAvailable(now: 0) == 20)
        let granted = (0..<50).filter { _ in budget.tryWithdrawRetry(now: 0) }.count
        #expect(granted == 20)
        #expect(budget.retriesRefused == 30)
        // Half a window later the spent reserve still counts; a whole window later it is back.
        let halfWindowLater = budget.tryWithdrawRetry(now: 5 * Self.second)
        #expect(!halfWindowLater)
        let windowLater = budget.tryWithdrawRetry(now: 10 * Self.second)
        #expect(windowLater)
    }

    @Test func requestsEarnTheirRatioOfRetries() {
        var budget = RetryBudget(configuration: .init(retryRatio: 0.25, minRetriesPerSecond: 0))
        for _ in 0..<100 { budget.recordRequest(now: 0) }
        #expect(budget.retriesAvailable(now: 0) == 25)
        let granted = (0..<100).filter { _ in budget.tryWithdrawRetry(now: 0) }.count
        #expect(granted == 25)
        // Those requests expire after the ttl, and so do the retries they paid for.
        #expect(budget.retriesAvailable(now: 10 * Self.second) == 0)
    }

    @Test func aFiftyPercentFailureRateIsCappedNearTheRatio() {
        // 100 requests a second for a minute, half of them failing and wanting a retry.
        var budget = RetryBudget()
        var requests = 0
        var retries = 0
        for step in 0..<6_000 {
            let now = UInt64(step) * Self.second / 100
            budget.recordRequest(now: now)
            requests += 1
            if step % 2 == 0, budget.tryWithdrawRetry(now: now) { retries += 1 }
        }
        // 20% of requests plus 10 per second on top at most; well above zero (the budget is not just "no").
        #expect(Double(retries) <= 0.2 * Double(requests) + 10 * 70)
        #expect(Double(retries) >= 0.2 * Double(requests))
    }

    /// One scripted event: a request, or an attempt to retry, at a time.
    private struct Event {
        var time: UInt64
        var isRetry: Bool
    }

    @Test(arguments: [(0.2, 10, UInt64(10)), (0.1, 0, UInt64(3)), (0.5, 1, UInt64(1)), (1.0, 3, UInt64(7))])
    func noWindowEverExceedsTheBudget(ratio: Double, minPerSecond: Int, ttlSeconds: UInt64) {
        let ttl = ttlSeconds * Self.second
        let slot = ttl / 10
        var rng = SplitMix64(seed: UInt64(ratio * 1000) ^ UInt64(minPerSecond) ^ ttlSeconds)
        var windowsChecked = 0
        var retriesSeen = 0
        for _ in 0..<8 {
            var budget = RetryBudget(
                configuration: .init(retryRatio: ratio, minRetriesPerSecond: minPerSecond, ttl: ttl)
            )
            // Random phases: bursts, silences, storms of retry attempts, steady traffic.
            var now: UInt64 = 0
            var granted: [Event] = []
            var requests: [Event] = []
            for _ in 0..<40 {
                let events = Int.random(in: 0..<300, using: &rng)
                let retryShare = Double.random(in: 0...1, using: &rng)
                let meanGap = UInt64.random(in: 1...(slot / 4), using: &rng)
                for _ in 0..<events {
                    now += UInt64.random(in: 0...(2 * meanGap), using: &rng)
                    if Double.random(in: 0..<1, using: &rng) < retryShare {
                        if budget.tryWithdrawRetry(now: now) { granted.append(Event(time: now, isRetry: true)) }
                    } else {
                        budget.recordRequest(now: now)
                        requests.append(Event(time: now, isRetry: false))
                    }
                }
                if Bool.random(using: &rng) { now += UInt64.random(in: 0...(2 * ttl), using: &rng) }
            }
            // Every window of ten consecutive slots, by counts per slot.
            let lastSlot = Int(now / slot)
            var retriesPerSlot = Array(repeating: 0, count: lastSlot + 1)
            var requestsPerSlot = Array(repeating: 0, count: lastSlot + 1)
            for event in granted { retriesPerSlot[Int(event.time / slot)] += 1 }
            for event in requests { requestsPerSlot[Int(event.time / slot)] += 1 }
            let reserve = Double(minPerSecond) * Double(ttlSeconds)
            for first in 0...lastSlot {
                let window = first..<min(first + 10, lastSlot + 1)
                let retriesInWindow = window.reduce(0) { $0 + retriesPerSlot[$1] }
                let requestsInWindow = window.reduce(0) { $0 + requestsPerSlot[$1] }
                if Double(retriesInWindow) > ratio * Double(requestsInWindow) + reserve {
                    Issue.record(
                        "window from slot \(first): \(retriesInWindow) retries for \(requestsInWindow) requests"
                    )
                }
            }
            windowsChecked += lastSlot + 1
            retriesSeen += granted.count
            #expect(budget.retriesGranted == granted.count)
        }
        // The scenarios did exercise the budget.
        #expect(windowsChecked > 1_000 && retriesSeen > 100)
    }
}
