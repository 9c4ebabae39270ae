import Foundation
import GRDB

extension SQLiteStore {
    public func apply(_ objects: [ApplyObject], options: ApplyOptions) async throws -> ApplyResult {
        if options.prune && options.source == nil {
            throw StoreError.pruneWithoutSource
        }
        let now = self.now()
        let result = try await pool.writeWithoutTransaction { db -> ApplyResult in
            var result = ApplyResult(revision: 0, outcomes: [])
            // IMMEDIATE: take the write lock before reading, so the conflict check and the writes see one state.
            try db.inTransaction(.immediate) {
                result = try Self.apply(objects, options: options, now: now, in: db)
                return options.dryRun ? .rollback : .commit
            }
            return result
        }
        if !options.dryRun && result.changedAnything {
            feed.yield(StoreChange(scope: .objects, revision: result.revision))
        }
        return result
    }

    /// The body of one apply transaction; throwing rolls everything back.
    private static func apply(
        _ objects: [ApplyObject],
        options: ApplyOptions,
        now: Date,
        in db: Database
    ) throws -> ApplyResult {
        try validate(objects, in: db)

        var existing: [ObjectKey: Row] = [:]
        for object in objects {
            existing[object.key] = try Row.fetchOne(
                db,
                sql: """
                    SELECT apiVersion, generation, resourceVersion, spec, labels, annotations, source, typed
                    FROM objects WHERE kind = ? AND name = ?
                    """,
                arguments: [object.key.kind, object.key.name]
            )
        }

        var conflicts: [StoreError.Conflict] = []
        for (key, expected) in options.expectedResourceVersions.sorted(by: { $0.key < $1.key }) {
            let actual: Int64? =
                if let row = existing[key] {
                    row["resourceVersion"]
                } else {
                    // A precondition on an object this apply does not write (one it may prune, say).
                    try Int64.fetchOne(
                        db,
                        sql: "SELECT resourceVersion FROM objects WHERE kind = ? AND name = ?",
                        arguments: [key.kind, key.name]
                    )
                }
            if (actual ?? 0) != expected {
                conflicts.append(StoreError.Conflict(key: key, expected: expected, actual: actual))
            }
        }
        if !conflicts.isEmpty {
            throw StoreError.conflict(conflicts)
        }

        let applied = Set(objects.map(\.key))
        var pruned: [Row] = []
        if options.prune, let source = options.source {
            pruned = try Row.fetchAll(
                db,
                sql: "SELECT kind, name, generation FROM objects WHERE source = ? ORDER BY kind, name",
                arguments: [source]
            ).filter { !applied.contains(ObjectKey(kind: $0["kind"], name: $0["name"])) }
        }
        if let check = options.check {
            // Inside the transaction, which holds the write lock: what the check sees is what the write changes.
            let stored = try Row.fetchAll(db, sql: "\(selectObjects) ORDER BY kind, name").map(storedObject)
            try check(stored, Set(pruned.map { ObjectKey(kind: $0["kind"], name: $0["name"]) }))
        }

        // One revision for the whole apply, as etcd gives one revision per transaction; taken only if needed.
        var revision: Int64?
        func writeRevision() throws -> Int64 {
            if let revision { return revision }
            let next = try bumpRevision(db)
            revision = next
            return next
        }

        var outcomes: [ApplyOutcome] = []
        for object in objects {
            let spec = JSONText.text(object.spec) ?? "{}"  // validated above
            let labels = JSONText.encode(object.labels)
            let annotations = JSONText.encode(object.annotations)
            let typed = object.typed.flatMap(JSONText.text)
            guard let row = existing[object.key] else {
                let rv = try writeRevision()
                try db.execute(
                    sql: """
                        INSERT INTO objects (kind, name, apiVersion, generation, resourceVersion, spec, labels,
                                             annotations, source, typed, createdAt, updatedAt)
                        VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        object.key.kind, object.key.name, object.apiVersion, rv, spec, labels, annotations,
                        options.source, typed, now, now,
                    ]
                )
                outcomes.append(ApplyOutcome(key: object.key, action: .created, generation: 1, resourceVersion: rv))
                continue
            }
            let oldGeneration: Int64 = row["generation"]
            let specChanged = (row["spec"] as String) != spec
            let source: String? = options.source ?? (row["source"] as String?)
            let changed =
                specChanged || (row["labels"] as String) != labels || (row["annotations"] as String) != annotations
                || (row["source"] as String?) != source || (row["apiVersion"] as String) != object.apiVersion
            guard changed else {
                if let typed, (row["typed"] as String?) != typed {
                    // Only where it sits in its file moved (or the typed form was missing): no new revision.
                    try db.execute(
                        sql: "UPDATE objects SET typed = ? WHERE kind = ? AND name = ?",
                        arguments: [typed, object.key.kind, object.key.name]
                    )
                }
                outcomes.append(
                    ApplyOutcome(
                        key: object.key,
                        action: .unchanged,
                        generation: oldGeneration,
                        resourceVersion: row["resourceVersion"]
                    )
                )
                continue
            }
            let rv = try writeRevision()
            let generation = specChanged ? oldGeneration + 1 : oldGeneration
            try db.execute(
                sql: """
                    UPDATE objects SET apiVersion = ?, generation = ?, resourceVersion = ?, spec = ?, labels = ?,
                                       annotations = ?, source = ?, typed = ?, updatedAt = ?
                    WHERE kind = ? AND name = ?
                    """,
                arguments: [
                    object.apiVersion, generation, rv, spec, labels, annotations, source, typed, now,
                    object.key.kind, object.key.name,
                ]
            )
            outcomes.append(
                ApplyOutcome(key: object.key, action: .configured, generation: generation, resourceVersion: rv)
            )
        }

        for row in pruned {
            let key = ObjectKey(kind: row["kind"], name: row["name"])
            let rv = try writeRevision()
            try db.execute(sql: "DELETE FROM objects WHERE kind = ? AND name = ?", arguments: [key.kind, key.name])
            outcomes.append(ApplyOutcome(key: key, action: .pruned, generation: row["generation"], resourceVersion: rv))
        }

        return ApplyResult(revision: try revision ?? currentRevision(db), outcomes: outcomes)
    }

    /// Checks every object before anything is written and reports every problem, not only the first.
    private static func validate(_ objects: [ApplyObject], in db: Database) throws {
        var problems: [StoreError.InvalidObject] = []
        var seen: Set<ObjectKey> = []
        for object in objects {
            if object.key.kind.isEmpty {
                problems.append(.init(key: object.key, reason: "kind is empty"))
            }
            if object.key.name.isEmpty {
                problems.append(.init(key: object.key, reason: "metadata.name is empty"))
            }
            if !seen.insert(object.key).inserted {
                problems.append(.init(key: object.key, reason: "appears more than once in this apply"))
            }
            if let problem = try JSONText.problem(ofObject: object.spec, in: db) {
                problems.append(.init(key: object.key, reason: "spec is \(problem)"))
            }
        }
        if !problems.isEmpty {
            throw StoreError.invalidObjects(problems)
        }
    }
}
