import Synchronization

/// Monotonic marks of one push, for the trace log: when its bodies were encoded and when each proxy answered,
/// relative to the push's start. Where a change's time goes at 201 proxies is the spread of those answers.
final class PushTimer: Sendable {
    private let start = ContinuousClock.now
    private let marks = Mutex<(named: [(String, ContinuousClock.Instant)], answers: [ContinuousClock.Instant])>(([], []))

    /// Records that `name` is done now (`encoded`, `sent`).
    func mark(_ name: String) {
        let now = ContinuousClock.now
        marks.withLock { $0.named.append((name, now)) }
    }

    /// One proxy's answer came in (any index: only their times matter).
    @Sendable func answered(_ index: Int) {
        let now = ContinuousClock.now
        marks.withLock { $0.answers.append(now) }
    }

    /// `encoded=2ms answers=201 first=4ms p50=31ms p90=52ms last=60ms`.
    var summary: String {
        let (named, answers) = marks.withLock { ($0.named, $0.answers.sorted()) }
        var parts = named.map { "\($0.0)=\(milliseconds(to: $0.1))ms" }
        parts.append("answers=\(answers.count)")
        if let first = answers.first, let last = answers.last {
            parts.append("first=\(milliseconds(to: first))ms")
            parts.append("p50=\(milliseconds(to: answers[answers.count / 2]))ms")
            parts.append("p90=\(milliseconds(to: answers[answers.count * 9 / 10]))ms")
            parts.append("last=\(milliseconds(to: last))ms")
        }
        return parts.joined(separator: " ")
    }

    private func milliseconds(to instant: ContinuousClock.Instant) -> String {
        let parts = start.duration(to: instant).components
        let tenths = (parts.seconds * 10_000 + parts.attoseconds / 100_000_000_000_000)
        return "\(tenths / 10).\(tenths % 10)"
    }
}
