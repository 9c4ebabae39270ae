import Foundation
import GRDB

extension SQLiteStore {
    public func saveProcess(_ record: StoredProcess) async throws {
        let revision = try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO processes
                        (id, role, service, replica, pid, startTime, commandHash, ports, logPath, state, updatedAt, revision,
                         restarts, consecutiveFailures, restartNotBefore)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.id, record.role.rawValue, record.service, record.replica, record.pid,
                    Int64(clamping: record.startTime), record.commandHash, JSONText.text(record.ports) ?? "{}",
                    record.logPath, record.state, record.updatedAt, record.revision,
                    record.restarts, record.consecutiveFailures, record.restartNotBefore,
                ]
            )
            return try Self.currentRevision(db)
        }
        feed.yield(StoreChange(scope: .processes, revision: revision))
    }

    public func deleteProcess(id: String) async throws {
        let revision = try await pool.write { db in
            try db.execute(sql: "DELETE FROM processes WHERE id = ?", arguments: [id])
            return try Self.currentRevision(db)
        }
        feed.yield(StoreChange(scope: .processes, revision: revision))
    }

    public func process(id: String) async throws -> StoredProcess? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "\(Self.selectProcesses) WHERE id = ?", arguments: [id]).map(Self.storedProcess)
        }
    }

    public func processes() async throws -> [StoredProcess] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "\(Self.selectProcesses) ORDER BY id").map(Self.storedProcess)
        }
    }

    /// The columns `storedProcess` reads, by position (why: `SQLiteStore.selectObjects`).
    private enum ProcessColumn: Int, CaseIterable {
        case id, role, service, replica, pid, startTime, commandHash, ports, logPath, state, updatedAt, revision,
             restarts, consecutiveFailures, restartNotBefore
    }

    /// `SELECT <the columns storedProcess reads, in its order> FROM processes`.
    private static let selectProcesses =
        "SELECT " + ProcessColumn.allCases.map { "\($0)" }.joined(separator: ", ") + " FROM processes"

    private static func storedProcess(_ row: Row) -> StoredProcess {
        func column<Value: DatabaseValueConvertible>(_ column: ProcessColumn) -> Value { row[column.rawValue] }
        return StoredProcess(
            id: column(.id),
            role: ProcessRole(rawValue: column(.role)) ?? .workload,
            service: column(.service),
            replica: column(.replica),
            pid: column(.pid),
            startTime: UInt64(clamping: column(.startTime) as Int64),
            commandHash: column(.commandHash),
            ports: JSONText.data(column(.ports)),
            logPath: column(.logPath),
            state: column(.state),
            updatedAt: column(.updatedAt),
            revision: column(.revision),
            restarts: column(.restarts),
            consecutiveFailures: column(.consecutiveFailures),
            restartNotBefore: column(.restartNotBefore)
        )
    }
}
