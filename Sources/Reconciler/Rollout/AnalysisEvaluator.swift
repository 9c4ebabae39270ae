import Manifests

/// Judges one analysis window against a Rollout's `analysis`. Pure: the same sample always gives the same verdict.
///
/// Rules, in order:
/// 1. fewer requests than `minRequests` (or none at all): inconclusive — not enough traffic to say anything;
/// 2. any metric measured and outside its threshold: failed, with one reason per such metric (a definite failure is
///    not hidden by another metric lacking data);
/// 3. any metric without data (a latency percentile the sample lacks): inconclusive;
/// 4. otherwise passed.
public enum AnalysisEvaluator {
    public static func evaluate(_ analysis: Rollout.Analysis, _ sample: AnalysisSample) -> AnalysisResult {
        let enoughTraffic = sample.requests > 0 && sample.requests >= analysis.minRequests
        var checks: [MetricCheck] = []
        var failures: [String] = []
        var missing: [String] = []
        for metric in analysis.metrics {
            var check = measure(metric, sample)
            if enoughTraffic, let value = check.value {
                let ok = check.bound == .atLeast ? value >= check.threshold : value <= check.threshold
                check.passed = ok
                if !ok {
                    let relation = check.bound == .atLeast ? "below the minimum" : "above the maximum"
                    failures.append(
                        "\(check.name) \(format(value))\(check.unit) is \(relation) \(format(check.threshold))\(check.unit)"
                    )
                }
            } else if check.value == nil {
                missing.append(check.name)
            }
            checks.append(check)
        }
        let outcome: AnalysisOutcome
        if !enoughTraffic {
            let window = format(max(0, sample.windowEnd - sample.windowStart))
            outcome = .inconclusive(
                reason: sample.requests == 0
                    ? "no requests to the new version in \(window)s"
                    : "\(sample.requests) requests in \(window)s, fewer than minRequests \(analysis.minRequests)"
            )
        } else if !failures.isEmpty {
            outcome = .failed(reasons: failures)
        } else if !missing.isEmpty {
            outcome = .inconclusive(reason: "no data for \(missing.joined(separator: ", "))")
        } else {
            outcome = .passed
        }
        return AnalysisResult(outcome: outcome, requests: sample.requests, checks: checks)
    }

    private static func measure(_ metric: Rollout.Metric, _ sample: AnalysisSample) -> MetricCheck {
        switch metric {
        case .successRate(let min):
            MetricCheck(
                name: "request-success-rate",
                unit: "%",
                value: sample.successRate,
                threshold: min,
                bound: .atLeast,
                passed: nil
            )
        case .latency(let max, let percentile):
            MetricCheck(
                name: percentile == 99 ? "request-duration" : "request-duration p\(format(percentile))",
                unit: "ms",
                value: sample.latency(atPercentile: percentile),
                threshold: RolloutPlan.seconds(max) * 1000,
                bound: .atMost,
                passed: nil
            )
        }
    }

    /// Shortest faithful text for a measurement: `99`, `99.5`, `12.35`.
    static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
        return String(rounded)
    }
}
