import Testing
import TrafficPolicy

@Suite struct BackoffTests {
    private static let ms: UInt64 = 1_000_000

    @Test func ceilingDoublesUpToTheMaximum() {
        let backoff = Backoff(base: 25 * Self.ms, maximum: 250 * Self.ms, jitter: .none)
        var rng = SplitMix64(seed: 1)
        let delays = (1...6).map { backoff.delay(forRetry: $0, using: &rng) / Self.ms }
        #expect(delays == [25, 50, 100, 200, 250, 250])
        #expect(backoff.ceiling(forRetry: 10_000) == 250 * Self.ms)  // no overflow for absurd counts
        #expect(Backoff().maximum == 250 * Self.ms)  // Envoy: 10 × base by default
    }

    @Test func fullJitterSpreadsOverTheWholeRange() {
        let backoff = Backoff(base: 100 * Self.ms, maximum: 100 * Self.ms, jitter: .full)
        var rng = SplitMix64(seed: 2)
        let delays = (0..<1_000).map { _ in backoff.delay(forRetry: 1, using: &rng) }
        #expect(delays.allSatisfy { $0 <= 100 * Self.ms })
        #expect(delays.contains { $0 < 10 * Self.ms } && delays.contains { $0 > 90 * Self.ms })
        let mean = Double(delays.reduce(0, +)) / 1_000 / Double(Self.ms)
        #expect(abs(mean - 50) < 5)
    }

    @Test func proportionalJitterKeepsAFloor() {
        let backoff = Backoff(base: 40 * Self.ms, maximum: 1_000 * Self.ms, jitter: .proportional(0.25))
        var rng = SplitMix64(seed: 3)
        for retry in 1...4 {
            let ceiling = backoff.ceiling(forRetry: retry)
            let delays = (0..<200).map { _ in backoff.delay(forRetry: retry, using: &rng) }
            #expect(delays.allSatisfy { $0 >= ceiling * 3 / 4 && $0 <= ceiling })
            #expect(Set(delays).count > 100)  // really random
        }
    }

    @Test func sameSeedSameDelays() {
        let backoff = Backoff()
        var first = SplitMix64(seed: 42)
        var second = SplitMix64(seed: 42)
        let a = (1...5).map { backoff.delay(forRetry: $0, using: &first) }
        let b = (1...5).map { backoff.delay(forRetry: $0, using: &second) }
        #expect(a == b)
    }
}
