import Foundation
import Manifests
import MeshStore
import OperatorAPI

/// A write refused because the mesh it would leave is not valid as a whole; nothing was written.
struct MeshWriteRefused: Error {
    /// `file:line:column: error: ...` lines, and for deletes `cannot delete KIND/NAME: ...`.
    var errors: [String]
}

extension OperatorRoutes {
    /// `POST /v1/apply`: parse and check each object once, then store them in one transaction that first checks the
    /// whole mesh it would leave (references resolve against the stored objects too; `--prune` may not leave one
    /// dangling), so two concurrent writes cannot together break it.
    func apply(_ request: APIRequest) async throws -> APIResponse {
        guard let body = JSON.decode(ApplyRequest.self, from: request.body) else {
            return APIResponse(status: 400, body: JSON.encode(ApplyResponse(errors: ["malformed apply request"])))
        }
        let sources = body.files.map { ManifestSet.Source(file: $0.name, bytes: Array($0.content.utf8)) }
        let (report, invalid) = ManifestSet.decode(sources: sources)
        guard report.isValid else {
            // Also report what spans objects, against the store as it is, so every error comes at once.
            let stored = manifests.objects(try await store.objects(kind: nil))
            var full = report
            full.diagnostics = (report.diagnostics + MeshValidator.validate(
                applied: report.objects, stored: stored, invalid: invalid)).sorted()
            let response = ApplyResponse(errors: full.diagnostics.map(\.description), summary: full.summary)
            return APIResponse(status: 422, body: JSON.encode(response))
        }
        let objects = report.objects.map { loaded in
            ApplyObject(kind: loaded.object.kind.rawValue, name: loaded.object.name, apiVersion: loaded.object.apiVersion,
                        spec: loaded.object.specJSON, labels: loaded.object.metadata.labels,
                        annotations: loaded.object.metadata.annotations, typed: StoredManifest(loaded).encoded())
        }
        var expected: [MeshStore.ObjectKey: Int64] = [:]
        for (text, version) in body.resourceVersions ?? [:] {
            let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                return APIResponse(status: 400, body: JSON.encode(ApplyResponse(
                    errors: ["resourceVersion precondition \"\(text)\": expected Kind/name"])))
            }
            expected[MeshStore.ObjectKey(kind: parts[0], name: parts[1])] = version
        }
        let applied = report.objects
        let manifests = self.manifests
        let check: ApplyCheck = { stored, pruned in
            try Self.checkApply(applied, stored: manifests.objects(stored), pruned: pruned)
        }
        do {
            let result = try await store.apply(objects, options: ApplyOptions(
                source: body.source, expectedResourceVersions: expected, prune: body.prune, dryRun: body.dryRun,
                check: check))
            if !body.dryRun && result.changedAnything { await loop.kick(observe: false) }
            let outcomes = result.outcomes.map {
                ApplyResponse.Outcome(kind: $0.key.kind, name: $0.key.name, action: $0.action.rawValue,
                                      generation: $0.generation)
            }
            return APIResponse(status: 200, body: JSON.encode(ApplyResponse(outcomes: outcomes, summary: report.summary)))
        } catch let refused as MeshWriteRefused {
            let count = refused.errors.count
            let summary = "\(count) error\(count == 1 ? "" : "s") in the mesh this apply would leave"
            return APIResponse(status: 422, body: JSON.encode(ApplyResponse(errors: refused.errors, summary: summary)))
        } catch StoreError.conflict(let conflicts) {
            return APIResponse(status: 409, body: JSON.encode(ApplyResponse(errors: conflicts.map(Self.explain))))
        } catch let error as StoreError {
            return APIResponse(status: 422, body: JSON.encode(ApplyResponse(errors: ["\(error)"])))
        }
    }

    /// Runs inside the apply's transaction: throws `MeshWriteRefused` when the resulting mesh is not valid.
    static func checkApply(_ applied: [LoadedObject], stored storedObjects: [LoadedObject],
                           pruned: Set<MeshStore.ObjectKey>) throws {
        let removed = Set(pruned.compactMap(StoredManifests.manifestKey))
        let refusals = MeshValidator.refusals(
            removed: removed, remaining: storedObjects.map(\.object) + applied.map(\.object), verb: "prune",
            remedy: "keep it in the applied files, or change those first")
        let diagnostics = MeshValidator.validate(applied: applied, stored: storedObjects, removed: removed)
        guard refusals.isEmpty && diagnostics.isEmpty else {
            throw MeshWriteRefused(errors: refusals.map { "error: " + $0 } + diagnostics.map(\.description))
        }
    }

    /// `POST /v1/delete`: deletes the named objects (and with `cascade` everything that refers to them) in one
    /// transaction, or nothing when the mesh left behind would not be valid.
    func delete(_ request: APIRequest) async throws -> APIResponse {
        guard let body = JSON.decode(DeleteRequest.self, from: request.body) else {
            return APIResponse(status: 400, body: JSON.encode(DeleteResponse(errors: ["malformed delete request"])))
        }
        return try await delete(body)
    }

    func delete(_ body: DeleteRequest) async throws -> APIResponse {
        let keys = body.objects.map { MeshStore.ObjectKey(kind: $0.kind, name: $0.name) }
        let cascade = body.cascade
        let manifests = self.manifests
        let plan: DeletePlan = { stored, requested in
            try Self.planDelete(requested, cascade: cascade, stored: stored, objects: manifests.objects(stored))
        }
        let deleted: [StoredObject]
        do {
            deleted = try await store.delete(keys, plan: plan)
        } catch let refused as MeshWriteRefused {
            return APIResponse(status: 422, body: JSON.encode(DeleteResponse(errors: refused.errors)))
        }
        if !deleted.isEmpty { await loop.kick() }
        let gone = Set(deleted.map(\.key))
        let response = DeleteResponse(
            deleted: deleted.map { DeleteRequest.Object(kind: $0.key.kind, name: $0.key.name) },
            notFound: body.objects.filter { !gone.contains(MeshStore.ObjectKey(kind: $0.kind, name: $0.name)) })
        return APIResponse(status: response.notFound.isEmpty ? 200 : 404, body: JSON.encode(response))
    }

    /// Runs inside the delete's transaction: the keys to delete, or `MeshWriteRefused` naming what still refers to
    /// them. Requested keys that do not exist are skipped (the caller reports them as not found).
    static func planDelete(_ requested: [MeshStore.ObjectKey], cascade: Bool, stored: [StoredObject],
                           objects storedObjects: [LoadedObject]) throws -> [MeshStore.ObjectKey]
    {
        let existing = Set(stored.map(\.key))
        let present = requested.filter(existing.contains)
        var removed = Set(present.compactMap(StoredManifests.manifestKey))
        if cascade { removed = MeshReferences.cascade(removed, in: storedObjects.map(\.object)) }
        var refusals = MeshValidator.refusals(removed: removed, remaining: storedObjects.map(\.object))
        let diagnostics = MeshValidator.validate(applied: [], stored: storedObjects, removed: removed)
        if refusals.isEmpty && !diagnostics.isEmpty {
            // Nothing refers to what goes, but what stays would break (a split's root left with nothing to serve it):
            // --cascade never deletes those, so say what to do.
            let names = removed.sorted().map(\.description).joined(separator: ", ")
            refusals.append("cannot delete \(names): the objects below would not be valid without them; "
                + "change or delete them first")
        }
        guard refusals.isEmpty && diagnostics.isEmpty else {
            throw MeshWriteRefused(errors: refusals.map { "error: " + $0 } + diagnostics.map(\.description))
        }
        // Kinds this build does not know cannot be referred to: deleted as asked.
        return present.filter { StoredManifests.manifestKey($0) == nil } + removed.map(StoredManifests.storeKey)
    }
}
