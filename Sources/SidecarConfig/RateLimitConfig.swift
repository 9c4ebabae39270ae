/// A service's local rate limit: a token bucket of `burst` requests refilled at `requestsPerSecond`, kept by each
/// inbound listener of the service (each replica's sidecar, like Envoy's local rate limit), per event loop thread.
/// A request that finds the bucket empty is answered 429 with `Retry-After`.
public struct RateLimitConfig: Sendable, Hashable, Codable {
    public var requestsPerSecond: Int
    public var burst: Int

    public init(requestsPerSecond: Int, burst: Int) {
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
    }

    /// The largest rate and burst accepted (beyond them a limit is no limit).
    public static let maximum = 1_000_000

    /// Rate and burst out of 1...maximum, at `path` (a service's limit or a route rule's).
    func problems(path: String) -> [ConfigError.Problem] {
        let range = 1...Self.maximum
        var problems: [ConfigError.Problem] = []
        if !range.contains(requestsPerSecond) { problems.append(.init(path: "\(path).requestsPerSecond", message: "must be 1...\(range.upperBound)")) }
        if !range.contains(burst) { problems.append(.init(path: "\(path).burst", message: "must be 1...\(range.upperBound)")) }
        return problems
    }
}
