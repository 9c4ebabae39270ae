/// A notification that a write committed; watchers re-read what they show (level-triggered, like the reconciler).
public struct StoreChange: Sendable, Hashable {
    /// What changed.
    public enum Scope: String, Sendable, Hashable {
        /// Object specs, metadata or status; `revision` moved.
        case objects
        case events
        case processes
        case rollouts
    }

    public var scope: Scope
    /// The store revision after the write.
    public var revision: Int64

    public init(scope: Scope, revision: Int64) {
        self.scope = scope
        self.revision = revision
    }
}
