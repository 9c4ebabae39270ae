import Foundation
import GRDB

extension SQLiteStore {
    public func object(_ key: ObjectKey) async throws -> StoredObject? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: "\(Self.selectObjects) WHERE kind = ? AND name = ?",
                arguments: [key.kind, key.name]
            ).map(Self.storedObject)
        }
    }

    public func objects(kind: String?) async throws -> [StoredObject] {
        try await pool.read { db in
            let rows: [Row]
            if let kind {
                rows = try Row.fetchAll(
                    db,
                    sql: "\(Self.selectObjects) WHERE kind = ? ORDER BY name",
                    arguments: [kind]
                )
            } else {
                rows = try Row.fetchAll(db, sql: "\(Self.selectObjects) ORDER BY kind, name")
            }
            return rows.map(Self.storedObject)
        }
    }

    public func delete(_ key: ObjectKey, expectedResourceVersion: Int64?) async throws -> StoredObject? {
        let deleted = try await pool.write { db -> (StoredObject, Int64)? in
            let row = try Row.fetchOne(
                db,
                sql: "\(Self.selectObjects) WHERE kind = ? AND name = ?",
                arguments: [key.kind, key.name]
            )
            let current = row.map(Self.storedObject)
            if let expected = expectedResourceVersion, expected != (current?.resourceVersion ?? 0) {
                throw StoreError.conflict([.init(key: key, expected: expected, actual: current?.resourceVersion)])
            }
            guard let current else { return nil }
            let revision = try Self.bumpRevision(db)
            try db.execute(sql: "DELETE FROM objects WHERE kind = ? AND name = ?", arguments: [key.kind, key.name])
            return (current, revision)
        }
        guard let (object, revision) = deleted else { return nil }
        feed.yield(StoreChange(scope: .objects, revision: revision))
        return object
    }

    public func delete(_ keys: [ObjectKey], plan: DeletePlan?) async throws -> [StoredObject] {
        let deleted = try await pool.write { db -> ([StoredObject], Int64)? in
            // Inside the write transaction: the plan judges exactly what this delete changes.
            let stored = try Row.fetchAll(db, sql: "\(Self.selectObjects) ORDER BY kind, name").map(Self.storedObject)
            let byKey = Dictionary(stored.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
            let chosen = try plan?(stored, keys) ?? keys
            let doomed = Set(chosen).compactMap { byKey[$0] }.sorted { $0.key < $1.key }
            guard !doomed.isEmpty else { return nil }
            let revision = try Self.bumpRevision(db)
            for object in doomed {
                try db.execute(
                    sql: "DELETE FROM objects WHERE kind = ? AND name = ?",
                    arguments: [object.key.kind, object.key.name]
                )
            }
            return (doomed, revision)
        }
        guard let (objects, revision) = deleted else { return [] }
        feed.yield(StoreChange(scope: .objects, revision: revision))
        return objects
    }

    public func saveTypedForms(_ forms: [(key: ObjectKey, resourceVersion: Int64, typed: Data)]) async throws {
        guard !forms.isEmpty else { return }
        try await pool.write { db in
            for form in forms {
                try db.execute(
                    sql: "UPDATE objects SET typed = ? WHERE kind = ? AND name = ? AND resourceVersion = ?",
                    arguments: [JSONText.text(form.typed), form.key.kind, form.key.name, form.resourceVersion]
                )
            }
        }
    }

    public func updateStatus(_ key: ObjectKey, _ status: ObjectStatus) async throws -> Int64 {
        let now = self.now()
        let (resourceVersion, changed) = try await pool.write { db in
            try Self.writeStatus(status, of: key, now: now, in: db)
        }
        if changed {
            feed.yield(StoreChange(scope: .objects, revision: resourceVersion))
        }
        return resourceVersion
    }

    /// Writes several statuses in one transaction (one disk sync instead of one per object); objects that no longer
    /// exist are skipped.
    public func updateStatuses(_ statuses: [(ObjectKey, ObjectStatus)]) async throws {
        guard !statuses.isEmpty else { return }
        let now = self.now()
        let (resourceVersion, changed) = try await pool.write { db in
            var last: Int64 = 0
            var any = false
            for (key, status) in statuses {
                guard let (version, wrote) = try? Self.writeStatus(status, of: key, now: now, in: db) else { continue }
                last = max(last, version)
                any = any || wrote
            }
            return (last, any)
        }
        if changed {
            feed.yield(StoreChange(scope: .objects, revision: resourceVersion))
        }
    }

    /// Writes a status inside the caller's transaction; also used by `saveRollout`.
    /// - Returns: the object's resourceVersion afterwards and whether anything was written.
    static func writeStatus(
        _ status: ObjectStatus,
        of key: ObjectKey,
        now: Date,
        in db: Database
    ) throws -> (Int64, Bool) {
        if let problem = try JSONText.problem(ofObject: status.json, in: db) {
            throw StoreError.invalidObjects([.init(key: key, reason: "status is \(problem)")])
        }
        guard
            let row = try Row.fetchOne(
                db,
                sql: "SELECT resourceVersion, observedGeneration, status FROM objects WHERE kind = ? AND name = ?",
                arguments: [key.kind, key.name]
            )
        else {
            throw StoreError.notFound(key)
        }
        let json = JSONText.text(status.json)
        if (row["observedGeneration"] as Int64?) == status.observedGeneration && (row["status"] as String?) == json {
            return (row["resourceVersion"], false)
        }
        let revision = try bumpRevision(db)
        try db.execute(
            sql: """
                UPDATE objects SET observedGeneration = ?, status = ?, resourceVersion = ?, updatedAt = ?
                WHERE kind = ? AND name = ?
                """,
            arguments: [status.observedGeneration, json, revision, now, key.kind, key.name]
        )
        return (revision, true)
    }

    /// The columns `storedObject` reads, by position: `selectObjects` lists them in this order.
    ///
    /// GRDB finds a column of a fetched row by name by lowercasing every column name before it
    /// (`StatementCopyRowImpl.index(forColumn:)`), about a hundred `lowercased()` per row of these tables; reading
    /// by position costs nothing. Each read of the objects (every change's pass, every API read) and of the 401
    /// process records (twice a full pass at 100 services x 2) went through that.
    private enum ObjectColumn: Int, CaseIterable {
        case kind, name, apiVersion, generation, resourceVersion, spec, labels, annotations, observedGeneration, status,
             source, typed, createdAt, updatedAt
    }

    /// `SELECT <the columns storedObject reads, in its order> FROM objects`.
    static let selectObjects = "SELECT " + ObjectColumn.allCases.map { "\($0)" }.joined(separator: ", ") + " FROM objects"

    static func storedObject(_ row: Row) -> StoredObject {
        func column<Value: DatabaseValueConvertible>(_ column: ObjectColumn) -> Value { row[column.rawValue] }
        let observedGeneration: Int64? = column(.observedGeneration)
        let statusText: String? = column(.status)
        let status = zip(observedGeneration, statusText).map { ObjectStatus(observedGeneration: $0, json: $1) }
        return StoredObject(
            key: ObjectKey(kind: column(.kind), name: column(.name)),
            apiVersion: column(.apiVersion),
            generation: column(.generation),
            resourceVersion: column(.resourceVersion),
            spec: JSONText.data(column(.spec)),
            labels: JSONText.decodeMap(column(.labels)),
            annotations: JSONText.decodeMap(column(.annotations)),
            status: status,
            source: column(.source),
            typed: (column(.typed) as String?).map(JSONText.data),
            createdAt: column(.createdAt),
            updatedAt: column(.updatedAt)
        )
    }
}

/// Both values or nothing.
private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
