import ArgumentParser
import DurationText

/// Every command-line flag that takes a duration (`meshctl proxy --timeout`, `stat --window`, `top --interval`,
/// `logs --since`, `rollout status --timeout`, `demo-app --latency`) reads the mesh's one grammar, and says why not.
extension Duration {
    /// The duration `text` given to `flag`, at least `minimum`.
    public static func flag(_ flag: String, _ text: String, atLeast minimum: Duration = .zero)
        throws(ValidationError) -> Duration
    {
        let duration: Duration
        do {
            duration = try Duration(parsing: text)
        } catch {
            throw ValidationError("\(flag): expected a duration such as 500ms, 1.5s or 1m30s, got \"\(text)\" (\(error))")
        }
        guard duration >= minimum else {
            throw ValidationError("\(flag): must be at least \(minimum.canonicalText), got \(text)")
        }
        return duration
    }
}
