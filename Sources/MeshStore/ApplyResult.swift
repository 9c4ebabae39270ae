/// What an apply did to one object, in kubectl's words.
public enum ApplyAction: String, Sendable, Hashable, Codable {
    case created
    case configured
    case unchanged
    /// Deleted by `prune`: applied before from the same source and absent now.
    case pruned
}

/// The outcome for one object.
public struct ApplyOutcome: Sendable, Hashable {
    public var key: ObjectKey
    public var action: ApplyAction
    /// The object's generation after the apply (for `pruned`, the last one it had).
    public var generation: Int64
    /// The object's resourceVersion after the apply (for `pruned`, the revision of the deletion).
    public var resourceVersion: Int64

    public init(key: ObjectKey, action: ApplyAction, generation: Int64, resourceVersion: Int64) {
        self.key = key
        self.action = action
        self.generation = generation
        self.resourceVersion = resourceVersion
    }
}

/// The outcome of one apply transaction.
public struct ApplyResult: Sendable, Hashable {
    /// The store revision after the apply: unchanged when nothing was written; on a dry run, the one it would have.
    public var revision: Int64
    /// One outcome per applied object in input order, then pruned objects sorted by key.
    public var outcomes: [ApplyOutcome]

    public init(revision: Int64, outcomes: [ApplyOutcome]) {
        self.revision = revision
        self.outcomes = outcomes
    }

    /// True when the apply changed (or, on a dry run, would change) anything.
    public var changedAnything: Bool { outcomes.contains { $0.action != .unchanged } }
}
