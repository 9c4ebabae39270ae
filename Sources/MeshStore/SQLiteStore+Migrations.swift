import GRDB

extension SQLiteStore {
    /// The schema, one migration per change; never edit a migration that has shipped, add one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: objects, events, processes, rollouts") { db in
            // One row holding the store-wide revision that every object write moves.
            try db.execute(
                sql: """
                    CREATE TABLE store_meta (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL);
                    INSERT INTO store_meta (id, revision) VALUES (1, 0);
                    """
            )
            try db.create(table: "objects") { t in
                t.column("kind", .text).notNull()
                t.column("name", .text).notNull()
                t.column("apiVersion", .text).notNull()
                t.column("generation", .integer).notNull()
                t.column("resourceVersion", .integer).notNull()
                t.column("spec", .text).notNull()
                t.column("labels", .text).notNull()
                t.column("annotations", .text).notNull()
                t.column("observedGeneration", .integer)
                t.column("status", .text)
                t.column("source", .text).indexed()
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.primaryKey(["kind", "name"])
            }
            try db.create(table: "events") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("kind", .text).notNull()
                t.column("name", .text).notNull()
                t.column("type", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("message", .text).notNull()
                t.column("firstTime", .datetime).notNull()
                t.column("lastTime", .datetime).notNull()
                t.column("count", .integer).notNull()
            }
            try db.create(index: "events_by_object", on: "events", columns: ["kind", "name", "id"])
            try db.create(table: "processes") { t in
                t.primaryKey("id", .text)
                t.column("role", .text).notNull()
                t.column("service", .text).notNull()
                t.column("replica", .integer).notNull()
                t.column("pid", .integer).notNull()
                t.column("startTime", .integer).notNull()
                t.column("commandHash", .text).notNull()
                t.column("ports", .text).notNull()
                t.column("logPath", .text).notNull()
                t.column("state", .text).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
            try db.create(table: "rollouts") { t in
                t.primaryKey("name", .text)
                t.column("stepIndex", .integer).notNull()
                t.column("state", .text).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
            try db.create(table: "rollout_history") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().indexed()
                t.column("time", .datetime).notNull()
                t.column("stepIndex", .integer).notNull()
                t.column("entry", .text).notNull()
            }
        }
        migrator.registerMigration("v2: process revision") { db in
            // The revision a process runs (what the reconciler compares with the desired one); "" for records
            // written before it existed, which the reconciler treats as outdated and replaces.
            try db.alter(table: "processes") { t in
                t.add(column: "revision", .text).notNull().defaults(to: "")
            }
        }
        migrator.registerMigration("v3: process restart backoff") { db in
            // The slot's backoff travels with its process record (see StoredProcess): a restarted operator keeps
            // a crash-looping replica waiting instead of starting it again at once. Wall-clock, as it outlives us.
            try db.alter(table: "processes") { t in
                t.add(column: "restarts", .integer).notNull().defaults(to: 0)
                t.add(column: "consecutiveFailures", .integer).notNull().defaults(to: 0)
                t.add(column: "restartNotBefore", .datetime)
            }
        }
        migrator.registerMigration("v4: typed objects") { db in
            // Each object's typed form (the manifest library's Codable JSON), which the reconciler loads without
            // parsing. NULL for rows written before it existed: the operator fills those in once, at its first load.
            try db.alter(table: "objects") { t in
                t.add(column: "typed", .text)
            }
        }
        return migrator
    }
}
