import Manifests

/// What the rollout machine asks of the operator. Each is idempotent: the machine may ask again (after `recover`,
/// or on a later tick), and doing it twice must leave the world as doing it once.
public enum RolloutAction: Sendable, Hashable {
    /// Push a sidecar config version carrying these weights to every sidecar routing the service; when each reports
    /// that version, call `weightsConfirmed(_:now:)` with the same weights. Nothing moves on before that.
    case setWeights(RolloutWeights)
    /// Snapshot the new side's counters now: the next sample's window starts here.
    case openAnalysisWindow
    /// Read the new side's metrics since the last snapshot, snapshot again, and call `analysisResult(_:now:)`.
    case collectAnalysis
    /// Call every webhook of this kind (POST, their own timeouts); report `webhookResult(_:ok:now:)` once for the
    /// kind: ok only if all answered 2xx.
    case runWebhook(Rollout.Webhook.Kind)
    /// Look at the stable side (replicas ready, sidecars healthy) and call `stableHealthy(_:now:)`.
    case checkStableHealthy
    /// Make the stable side run this revision (rolling, new instance ready before an old one stops); call
    /// `stableUpdated(revision:now:)` when every replica runs it and is ready. Used to promote, to revert an
    /// interrupted promotion, and for undo. It replaces the old version's processes: this is the scale-down of the
    /// old version, which blue-green delays by `scaleDownDelay`.
    case promote(revision: String)
    /// Record an event (store, `meshctl rollout status`, logs).
    case recordEvent(RolloutEvent)
    /// Call `tick(now:)` again after this many seconds (the earliest thing the machine waits for by the clock).
    case requeue(after: Double)
}

/// A Kubernetes-style event.
public struct RolloutEvent: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable {
        case normal = "Normal"
        case warning = "Warning"
    }

    public var type: Kind
    /// CamelCase: `NewRevision`, `WeightConfirmed`, `AnalysisFailed`, `StableUnhealthy`, `Promoted`...
    public var reason: String
    public var message: String

    public init(_ type: Kind, _ reason: String, _ message: String) {
        self.type = type
        self.reason = reason
        self.message = message
    }
}
