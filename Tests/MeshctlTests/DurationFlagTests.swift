import Foundation
import Testing

/// Every flag that takes a duration reads the one grammar of manifests and proxy configurations, and says why not
/// (argument checks run before anything starts, so no operator is needed).
@Suite("Duration flags", .serialized)
struct DurationFlagTests {
    @Test(arguments: [
        (["stat", "--window", "10"],
         #"--window: expected a duration such as 500ms, 1.5s or 1m30s, got "10" (add a unit: ms, s, m or h)"#),
        (["stat", "--window", "0s"], "--window: must be at least 1ms, got 0s"),
        (["top", "--interval", "50ms"], "--interval: must be at least 100ms, got 50ms"),
        (["top", "--interval", "1s1s"],
         #"--interval: expected a duration such as 500ms, 1.5s or 1m30s, got "1s1s" (units go from largest to smallest, each at most once, as in 1h2m3s4ms)"#),
        (["rollout", "status", "web", "--watch", "--timeout", "30"],
         #"--timeout: expected a duration such as 500ms, 1.5s or 1m30s, got "30" (add a unit: ms, s, m or h)"#),
        (["proxy", "--listen", "127.0.0.1:0", "--to", "127.0.0.1:1", "--timeout", "5d"],
         #"--timeout: expected a duration such as 500ms, 1.5s or 1m30s, got "5d" (unknown unit "d", use ms, s, m or h)"#),
        (["demo-app", "--latency=-5ms"],
         #"--latency: expected a duration such as 500ms, 1.5s or 1m30s, got "-5ms" (must not be negative)"#),
        (["logs", "web", "--since", "1.5.0s"], #"--since: expected a duration (5m, 1h30m) or an RFC 3339 time, got "1.5.0s""#),
    ])
    func badDurationsAreRefusedWithTheReason(arguments: [String], message: String) throws {
        let result = try MeshctlRunner.run(arguments, timeout: .seconds(30))
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
