/// One rollout on the dashboard (`GET /api/rollouts`): where it is now, and its weights and the new side's metrics
/// over the last minutes, to chart against its analysis thresholds.
public struct RolloutSeries: Codable, Sendable, Hashable {
    public struct Point: Codable, Sendable, Hashable {
        /// Unix seconds.
        public var time: Double
        public var stableWeight: Int
        public var canaryWeight: Int
        public var phase: String
        /// Percent of the new side's answers that were not 5xx over the sampling window (its own sidecars' view,
        /// as the analysis counts); nil without traffic.
        public var successRate: Double?
        /// The stable side's, for comparison.
        public var stableSuccessRate: Double?
        /// The new side's latency at the threshold's percentile, in milliseconds; nil without traffic.
        public var latencyMs: Double?
    }

    public var targets: RolloutTargets
    public var phase: String
    public var stableWeight: Int
    public var canaryWeight: Int
    public var message: String
    public var points: [Point]
}
