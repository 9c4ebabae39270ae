import Foundation

/// The operator's record of intent and status: what the user applied, what the operator reports back, events, and
/// where each rollout stands. Behind a protocol so that a Kubernetes-backed implementation can replace SQLite.
///
/// Every write is atomic. Writes to objects move the store-wide `revision`; each written object's `resourceVersion`
/// becomes that revision.
public protocol ObjectStore: Sendable {
    /// Stores all `objects` in one transaction, or none of them.
    ///
    /// - Throws: `StoreError.invalidObjects` (an object cannot be stored), `StoreError.conflict` (a stale
    ///   expected resourceVersion), `StoreError.pruneWithoutSource`. After any error nothing has changed.
    func apply(_ objects: [ApplyObject], options: ApplyOptions) async throws -> ApplyResult

    /// Deletes one object; returns it as it was, or nil when it did not exist.
    /// - Throws: `StoreError.conflict` when `expectedResourceVersion` is given and stale.
    func delete(_ key: ObjectKey, expectedResourceVersion: Int64?) async throws -> StoredObject?

    /// Deletes several objects in one transaction and one revision. `plan` (run inside the transaction) decides what
    /// is deleted or refuses by throwing; without it, the requested keys that exist are deleted.
    /// - Returns: the deleted objects as they were, sorted by key.
    func delete(_ keys: [ObjectKey], plan: DeletePlan?) async throws -> [StoredObject]

    /// Writes the typed form of objects stored without a readable one (rows from before it was kept, or of an older
    /// encoding): a one-time upgrade that moves no revision and changes nothing else. Each form is written only if
    /// the object is still at the resourceVersion it was derived from.
    func saveTypedForms(_ forms: [(key: ObjectKey, resourceVersion: Int64, typed: Data)]) async throws

    func object(_ key: ObjectKey) async throws -> StoredObject?
    /// All objects, or those of one kind, sorted by kind then name.
    func objects(kind: String?) async throws -> [StoredObject]
    /// The store-wide revision: the resourceVersion of the newest object write.
    func revision() async throws -> Int64

    /// Writes an object's status without touching its generation. A status equal to the stored one writes nothing.
    /// - Returns: the object's resourceVersion afterwards.
    /// - Throws: `StoreError.notFound` when the object was deleted meanwhile.
    func updateStatus(_ key: ObjectKey, _ status: ObjectStatus) async throws -> Int64

    /// Records an event; the table keeps only the newest events (see the implementation's bound).
    func recordEvent(_ event: NewEvent) async throws
    /// The newest `limit` events, for one object or all, oldest first.
    func events(for key: ObjectKey?, limit: Int) async throws -> [StoredEvent]

    /// Writes a rollout's state and step, appends `historyEntry` if given, and optionally writes the status of the
    /// rollout's object, all in one transaction.
    func saveRollout(
        name: String,
        stepIndex: Int,
        state: Data,
        historyEntry: Data?,
        status: (ObjectKey, ObjectStatus)?
    ) async throws
    func rollout(named name: String) async throws -> StoredRollout?
    func deleteRollout(named name: String) async throws

    /// A stream of committed changes, starting after the call. Each call returns a new, independent stream;
    /// a slow consumer sees only the newest changes (the buffer keeps the latest few).
    func changes() -> AsyncStream<StoreChange>
}

extension ObjectStore {
    /// `apply` with the options spelled as arguments.
    public func apply(
        _ objects: [ApplyObject],
        source: String? = nil,
        expectedResourceVersions: [ObjectKey: Int64] = [:],
        prune: Bool = false,
        dryRun: Bool = false
    ) async throws -> ApplyResult {
        try await apply(
            objects,
            options: ApplyOptions(
                source: source,
                expectedResourceVersions: expectedResourceVersions,
                prune: prune,
                dryRun: dryRun
            )
        )
    }

    public func delete(_ key: ObjectKey) async throws -> StoredObject? {
        try await delete(key, expectedResourceVersion: nil)
    }
}

/// The durable list of processes the operator runs. Local by nature (pids mean nothing elsewhere), so separate
/// from `ObjectStore`.
public protocol ProcessRecordStore: Sendable {
    /// Inserts the record, or replaces the one with the same id.
    func saveProcess(_ record: StoredProcess) async throws
    func deleteProcess(id: String) async throws
    func process(id: String) async throws -> StoredProcess?
    /// All records, sorted by id.
    func processes() async throws -> [StoredProcess]
}
