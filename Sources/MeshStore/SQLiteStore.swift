import Foundation
import GRDB

/// The `ObjectStore` and `ProcessRecordStore` in one SQLite file, `state.sqlite` in the state directory.
///
/// WAL mode (a `DatabasePool`): readers such as `status --watch` never wait for the reconciler's writes.
/// `synchronous=FULL` because the store is the operator's durable intent: an acknowledged apply must survive a power
/// cut, and the write rate (applies, status changes) is low enough that one fsync per commit costs nothing visible.
public final class SQLiteStore: Sendable {
    /// The file name inside the state directory.
    public static let fileName = "state.sqlite"

    /// How many events the store keeps (the newest).
    public let eventLimit: Int
    /// How many history entries each rollout keeps (the newest).
    public let rolloutHistoryLimit: Int
    /// The database file's path.
    public let path: String

    let pool: DatabasePool
    let feed = ChangeFeed()
    let now: @Sendable () -> Date

    /// Opens (creating if needed) the store in `stateDirectory` and brings its schema up to date.
    public init(
        stateDirectory: String,
        eventLimit: Int = 1_000,
        rolloutHistoryLimit: Int = 100,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        precondition(eventLimit > 0 && rolloutHistoryLimit > 0, "limits must be positive")
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        self.path = (stateDirectory as NSString).appendingPathComponent(Self.fileName)
        self.eventLimit = eventLimit
        self.rolloutHistoryLimit = rolloutHistoryLimit
        self.now = now

        var configuration = Configuration()
        // The operator's API, reconciler and watchers write from different tasks; wait for the lock, don't fail.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        self.pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
    }

    /// Closes the database and ends every change stream. Further calls throw.
    public func close() throws {
        feed.finish()
        try pool.close()
    }

    public func revision() async throws -> Int64 {
        try await pool.read { db in try Self.currentRevision(db) }
    }

    public func changes() -> AsyncStream<StoreChange> {
        feed.stream()
    }

    // MARK: - Helpers shared by the extensions

    static func currentRevision(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT revision FROM store_meta WHERE id = 1") ?? 0
    }

    /// Moves the store-wide revision on; called once per transaction that writes objects.
    static func bumpRevision(_ db: Database) throws -> Int64 {
        try db.execute(sql: "UPDATE store_meta SET revision = revision + 1 WHERE id = 1")
        return try currentRevision(db)
    }
}

extension SQLiteStore: ObjectStore, ProcessRecordStore {}
