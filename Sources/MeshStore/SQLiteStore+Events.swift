import Foundation
import GRDB

extension SQLiteStore {
    public func recordEvent(_ event: NewEvent) async throws {
        let limit = eventLimit
        let revision = try await pool.write { db in
            let latest = try Row.fetchOne(
                db,
                sql: """
                    SELECT id, type, reason, message, firstTime, count FROM events
                    WHERE kind = ? AND name = ? ORDER BY id DESC LIMIT 1
                    """,
                arguments: [event.key.kind, event.key.name]
            )
            var firstTime = event.time
            var count = 1
            if let latest, latest["type"] == event.type.rawValue, latest["reason"] == event.reason,
                latest["message"] == event.message
            {
                // A repeat: fold it into the previous one and move it to the newest position, so that id order is
                // recency order and the bound below keeps what happened last.
                firstTime = latest["firstTime"]
                count = (latest["count"] as Int) + 1
                try db.execute(sql: "DELETE FROM events WHERE id = ?", arguments: [latest["id"] as Int64])
            }
            try db.execute(
                sql: """
                    INSERT INTO events (kind, name, type, reason, message, firstTime, lastTime, count)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    event.key.kind, event.key.name, event.type.rawValue, event.reason, event.message, firstTime,
                    event.time, count,
                ]
            )
            try db.execute(
                sql: "DELETE FROM events WHERE id < (SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?)",
                arguments: [limit - 1]
            )
            return try Self.currentRevision(db)
        }
        feed.yield(StoreChange(scope: .events, revision: revision))
    }

    public func events(for key: ObjectKey?, limit: Int) async throws -> [StoredEvent] {
        try await pool.read { db in
            let rows: [Row]
            if let key {
                rows = try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM events WHERE kind = ? AND name = ? ORDER BY id DESC LIMIT ?",
                    arguments: [key.kind, key.name, max(0, limit)]
                )
            } else {
                rows = try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM events ORDER BY id DESC LIMIT ?",
                    arguments: [max(0, limit)]
                )
            }
            return rows.reversed().map { row in
                StoredEvent(
                    id: row["id"],
                    key: ObjectKey(kind: row["kind"], name: row["name"]),
                    type: EventType(rawValue: row["type"]) ?? .normal,
                    reason: row["reason"],
                    message: row["message"],
                    firstTime: row["firstTime"],
                    lastTime: row["lastTime"],
                    count: row["count"]
                )
            }
        }
    }
}
