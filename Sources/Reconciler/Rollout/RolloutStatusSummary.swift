import Manifests

/// What `meshctl rollout status [--watch]` shows, as plain values the CLI renders: phase, step i/n, weights, each
/// metric's last value against its threshold, counts, conditions and the recent history.
public struct RolloutStatusSummary: Sendable, Hashable {
    public var name: String
    /// `canary` or `blueGreen`.
    public var strategy: String
    public var phase: RolloutPhase
    public var message: String
    public var revision: String?
    public var stableRevision: String
    public var attempt: Int
    /// 1-based current canary step, nil for blue-green or at rest; equals `stepCount` once all steps are done.
    public var step: Int?
    public var stepCount: Int
    /// The current step as written (`setWeight 20`, `pause 30s`, `pause until promote`).
    public var stepDescription: String?
    /// Weights the sidecars are being given (`confirmed` false while some sidecar has not reported them yet).
    public var weights: RolloutWeights
    public var confirmed: Bool
    /// Each metric's value in the last analysis window, against its threshold.
    public var metrics: [MetricCheck]
    public var lastOutcome: AnalysisOutcome?
    public var failedChecks: Int
    /// Failed checks that roll back; nil without analysis.
    public var threshold: Int?
    public var inconclusiveChecks: Int
    public var conditions: [RolloutCondition]
    /// Most recent last.
    public var steps: [StepRecord]
    public var analysis: [AnalysisRecord]
    public var observedGeneration: Int?
    /// Wall-clock seconds the rollout waits for on its own (a timed pause, auto-promotion, the old version's hold).
    public var waitingUntil: Double?

    /// - Parameter historyCount: how many recent steps and analysis records to keep.
    public init(name: String, machine: RolloutMachine, historyCount: Int = 10) {
        let state = machine.state
        let plan = machine.plan
        self.name = name
        strategy = plan.strategy == .canary ? "canary" : "blueGreen"
        phase = state.phase
        message = state.message
        revision = state.revision
        stableRevision = state.stableRevision
        attempt = state.attempt
        stepCount = plan.steps.count
        if plan.strategy == .canary, state.phase.isActive, !plan.steps.isEmpty {
            step = min(state.stepIndex + 1, plan.steps.count)
            stepDescription = state.stepIndex < plan.steps.count ? plan.steps[state.stepIndex].description : "promotion"
        } else {
            step = nil
            stepDescription = nil
        }
        weights = state.desiredWeights
        confirmed = state.pendingWeights == nil
        metrics = state.lastAnalysis?.result.checks ?? []
        lastOutcome = state.lastAnalysis?.result.outcome
        failedChecks = state.failedChecks
        threshold = plan.analysis?.threshold
        inconclusiveChecks = state.inconclusiveChecks
        conditions = state.conditions
        steps = Array(state.stepHistory.suffix(historyCount))
        analysis = Array(state.analysisHistory.suffix(historyCount))
        observedGeneration = state.observedGeneration
        waitingUntil = machine.waitingUntil
    }

    /// The weights as a bar of `width` cells, stable `=` then new `#`: `[=======###] 70/30`.
    public func weightBar(width: Int = 20) -> String {
        let cells = max(width, 1)
        let new = Int((Double(weights.canary) / 100 * Double(cells)).rounded())
        let bar = String(repeating: "=", count: cells - new) + String(repeating: "#", count: new)
        return "[\(bar)] \(weights.stable)/\(weights.canary)\(confirmed ? "" : " (confirming)")"
    }

    /// One line per metric: `request-success-rate 98.5% (min 99%) FAIL`.
    public var metricLines: [String] {
        metrics.map { check in
            let value = check.value.map { AnalysisEvaluator.format($0) + check.unit } ?? "no data"
            let bound = check.bound == .atLeast ? "min" : "max"
            let verdict = check.passed.map { $0 ? "ok" : "FAIL" } ?? "not judged"
            return
                "\(check.name) \(value) (\(bound) \(AnalysisEvaluator.format(check.threshold))\(check.unit)) \(verdict)"
        }
    }
}
