/// The verdict on one analysis window. Three outcomes, never two: a window without enough traffic says nothing about
/// the new version (flagger #1035), so it neither fails nor passes.
public enum AnalysisOutcome: Codable, Sendable, Hashable {
    case passed
    /// At least one metric was measured and outside its threshold; one reason per such metric.
    case failed(reasons: [String])
    /// Not enough data to judge (fewer than `minRequests` requests, or a metric without a value): the weight holds.
    case inconclusive(reason: String)

    public var name: String {
        switch self {
        case .passed: "Passed"
        case .failed: "Failed"
        case .inconclusive: "Inconclusive"
        }
    }
}

/// One metric's value against its threshold, kept for status (`meshctl rollout status` shows the last of each).
public struct MetricCheck: Codable, Sendable, Hashable {
    public enum Bound: String, Codable, Sendable, Hashable {
        /// The value must be at least the threshold (success rate).
        case atLeast
        /// The value must be at most the threshold (latency).
        case atMost
    }

    /// Flagger's metric name: `request-success-rate`, `request-duration`.
    public var name: String
    /// Unit for display: `%` or `ms`.
    public var unit: String
    /// Measured value; nil when there was no data.
    public var value: Double?
    public var threshold: Double
    public var bound: Bound
    /// nil when not judged (no data, or too few requests to judge any metric).
    public var passed: Bool?

    public init(name: String, unit: String, value: Double?, threshold: Double, bound: Bound, passed: Bool?) {
        self.name = name
        self.unit = unit
        self.value = value
        self.threshold = threshold
        self.bound = bound
        self.passed = passed
    }
}

/// An outcome with the measurements behind it.
public struct AnalysisResult: Codable, Sendable, Hashable {
    public var outcome: AnalysisOutcome
    public var requests: Int
    public var checks: [MetricCheck]

    public init(outcome: AnalysisOutcome, requests: Int, checks: [MetricCheck]) {
        self.outcome = outcome
        self.requests = requests
        self.checks = checks
    }
}
