/// One thing the rollout did, for the history of steps (`status` shows them with their times).
public struct StepRecord: Codable, Sendable, Hashable {
    public var time: Double
    public var revision: String
    /// The canary step index, nil for stages outside the steps (initializing, switch, rollback...).
    public var stepIndex: Int?
    /// What happened: `setWeight 10 confirmed`, `pause 5s`, `switched to new`, `rolled back: AnalysisFailed`.
    public var summary: String

    public init(time: Double, revision: String, stepIndex: Int?, summary: String) {
        self.time = time
        self.revision = revision
        self.stepIndex = stepIndex
        self.summary = summary
    }
}
