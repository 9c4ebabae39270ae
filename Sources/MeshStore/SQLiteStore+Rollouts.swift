import Foundation
import GRDB

extension SQLiteStore {
    public func saveRollout(
        name: String,
        stepIndex: Int,
        state: Data,
        historyEntry: Data?,
        status: (ObjectKey, ObjectStatus)?
    ) async throws {
        let now = self.now()
        let historyLimit = rolloutHistoryLimit
        let (revision, statusChanged) = try await pool.write { db -> (Int64, Bool) in
            try db.execute(
                sql: "INSERT OR REPLACE INTO rollouts (name, stepIndex, state, updatedAt) VALUES (?, ?, ?, ?)",
                arguments: [name, stepIndex, JSONText.text(state) ?? "{}", now]
            )
            if let historyEntry {
                try db.execute(
                    sql: "INSERT INTO rollout_history (name, time, stepIndex, entry) VALUES (?, ?, ?, ?)",
                    arguments: [name, now, stepIndex, JSONText.text(historyEntry) ?? "{}"]
                )
                try db.execute(
                    sql: """
                        DELETE FROM rollout_history WHERE name = ?1 AND id <
                            (SELECT id FROM rollout_history WHERE name = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)
                        """,
                    arguments: [name, historyLimit - 1]
                )
            }
            if let (key, objectStatus) = status {
                let (revision, changed) = try Self.writeStatus(objectStatus, of: key, now: now, in: db)
                return (revision, changed)
            }
            return (try Self.currentRevision(db), false)
        }
        feed.yield(StoreChange(scope: .rollouts, revision: revision))
        if statusChanged {
            feed.yield(StoreChange(scope: .objects, revision: revision))
        }
    }

    public func rollout(named name: String) async throws -> StoredRollout? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM rollouts WHERE name = ?", arguments: [name]) else {
                return nil
            }
            let history = try Row.fetchAll(
                db,
                sql: "SELECT * FROM rollout_history WHERE name = ? ORDER BY id",
                arguments: [name]
            ).map { entry in
                RolloutHistoryEntry(
                    time: entry["time"],
                    stepIndex: entry["stepIndex"],
                    entry: JSONText.data(entry["entry"])
                )
            }
            return StoredRollout(
                name: name,
                stepIndex: row["stepIndex"],
                state: JSONText.data(row["state"]),
                history: history,
                updatedAt: row["updatedAt"]
            )
        }
    }

    public func deleteRollout(named name: String) async throws {
        let revision = try await pool.write { db in
            try db.execute(sql: "DELETE FROM rollouts WHERE name = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM rollout_history WHERE name = ?", arguments: [name])
            return try Self.currentRevision(db)
        }
        feed.yield(StoreChange(scope: .rollouts, revision: revision))
    }
}
