import Foundation

/// Where a rollout stands, so that a restarted operator resumes it at the same step.
public struct StoredRollout: Sendable, Hashable {
    public var name: String
    public var stepIndex: Int
    /// The rollout controller's own state, as JSON.
    public var state: Data
    /// Oldest first; bounded (the newest entries are kept).
    public var history: [RolloutHistoryEntry]
    public var updatedAt: Date

    public init(name: String, stepIndex: Int, state: Data, history: [RolloutHistoryEntry], updatedAt: Date) {
        self.name = name
        self.stepIndex = stepIndex
        self.state = state
        self.history = history
        self.updatedAt = updatedAt
    }
}

/// One line of a rollout's history (a step taken, a promotion, an abort, ...).
public struct RolloutHistoryEntry: Sendable, Hashable {
    public var time: Date
    public var stepIndex: Int
    /// JSON chosen by the rollout controller.
    public var entry: Data

    public init(time: Date, stepIndex: Int, entry: Data) {
        self.time = time
        self.stepIndex = stepIndex
        self.entry = entry
    }
}
