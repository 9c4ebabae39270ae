/// One analysis window in the history kept with the state (the last `RolloutState.historyLimit`).
public struct AnalysisRecord: Codable, Sendable, Hashable {
    public var time: Double
    public var revision: String
    /// The canary step (or -1 for blue-green's pre-promotion analysis) and the weight judged.
    public var stepIndex: Int
    public var canaryWeight: Int
    public var result: AnalysisResult

    public init(time: Double, revision: String, stepIndex: Int, canaryWeight: Int, result: AnalysisResult) {
        self.time = time
        self.revision = revision
        self.stepIndex = stepIndex
        self.canaryWeight = canaryWeight
        self.result = result
    }
}
