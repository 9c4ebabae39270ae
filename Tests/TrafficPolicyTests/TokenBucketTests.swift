import Testing
import TrafficPolicy

@Suite("Token bucket (local rate limit), on a fake clock")
struct TokenBucketTests {
    static let second: UInt64 = 1_000_000_000

    @Test("a full bucket lets `burst` requests through at once, then says when the next token comes")
    func burstThenWait() {
        var bucket = TokenBucket(requestsPerSecond: 2, burst: 3)
        let now: UInt64 = 5 * Self.second
        for _ in 0..<3 { #expect(bucket.admit(now: now) == .admitted) }
        #expect(bucket.admit(now: now) == .limited(retryAfter: Self.second / 2))
        // Half a second later one token is back, and only one.
        #expect(bucket.admit(now: now + Self.second / 2) == .admitted)
        #expect(bucket.admit(now: now + Self.second / 2) == .limited(retryAfter: Self.second / 2))
        // A long idle time refills to `burst`, never beyond.
        let later = now + 3600 * Self.second
        for _ in 0..<3 { #expect(bucket.admit(now: later) == .admitted) }
        #expect(bucket.admit(now: later) != .admitted)
    }

    @Test("Retry-After is whole seconds, rounded up, at least 1")
    func retryAfter() {
        #expect(TokenBucket.retryAfterSeconds(1) == 1)
        #expect(TokenBucket.retryAfterSeconds(Self.second) == 1)
        #expect(TokenBucket.retryAfterSeconds(Self.second + 1) == 2)
        var slow = TokenBucket(requestsPerSecond: 1, burst: 1)
        #expect(slow.admit(now: 0) == .admitted)
        guard case .limited(let wait) = slow.admit(now: Self.second / 4) else {
            Issue.record("expected a limit")
            return
        }
        #expect(TokenBucket.retryAfterSeconds(wait) == 1)
        #expect(wait == 3 * Self.second / 4)
    }

    @Test("10,000 requests offered at 500/s to a 100/s limit: 100/s (+ the burst) pass, within 5 %",
          arguments: [(100, 10), (100, 100), (37, 5)])
    func accuracy(rate: Int, burst: Int) {
        var bucket = TokenBucket(requestsPerSecond: rate, burst: burst)
        let step = Self.second / 500
        var admitted = 0
        for index in 0..<10_000 where bucket.admit(now: 1 + UInt64(index) * step) == .admitted { admitted += 1 }
        let seconds = 10_000.0 / 500
        let expected = Double(rate) * seconds + Double(burst)
        #expect(abs(Double(admitted) - expected) <= expected * 0.05, "admitted \(admitted), expected \(expected)")
    }

    @Test("requests offered below the rate all pass")
    func belowTheRate() {
        var bucket = TokenBucket(requestsPerSecond: 100, burst: 1)
        let limited = (0..<10_000).filter { bucket.admit(now: UInt64($0) * (Self.second / 50)) != .admitted }
        #expect(limited.isEmpty)
    }
}
