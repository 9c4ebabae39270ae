/// Decides which requests fail so that the failed share is exactly the configured rate over any run of requests
/// (request n fails when ⌊(n+1)·rate⌋ > ⌊n·rate⌋), not merely on average: demos and tests see the figure they set.
public struct ErrorInjector: Sendable {
    public let rate: Double
    private var served: UInt64 = 0

    public init(rate: Double) {
        self.rate = min(max(rate, 0), 1)
    }

    /// Whether the next request should fail.
    public mutating func nextFails() -> Bool {
        let before = (Double(served) * rate).rounded(.down)
        served &+= 1
        let after = (Double(served) * rate).rounded(.down)
        return after > before
    }
}
