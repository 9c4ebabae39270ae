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
            try Row.fetchOne(db, sql: "SELECT * FROM processes WHERE id = ?", arguments: [id]).map(Self.storedProcess)
        }
    }

    public func processes() async throws -> [StoredProcess] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM processes ORDER BY id").map(Self.storedProcess)
        }
    }

    private static func storedProcess(_ row: Row) -> StoredProcess {
        StoredProcess(
            id: row["id"],
            role: ProcessRole(rawValue: row["role"]) ?? .workload,
            service: row["service"],
            replica: row["replica"],
            pid: row["pid"],
            startTime: UInt64(clamping: row["startTime"] as Int64),
            commandHash: row["commandHash"],
            ports: JSONText.data(row["ports"]),
            logPath: row["logPath"],
            state: row["state"],
            updatedAt: row["updatedAt"],
            revision: row["revision"],
            restarts: row["restarts"],
            consecutiveFailures: row["consecutiveFailures"],
            restartNotBefore: row["restartNotBefore"]
        )
    }
}
