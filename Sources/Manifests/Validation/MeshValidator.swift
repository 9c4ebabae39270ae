/// Whole-mesh validity: checks the objects a write would leave in the store, not only the ones it sends. References
/// resolve against this write's objects plus the stored ones, so one file can be applied alone; a write that would
/// leave a reference dangling is refused, naming the objects that still refer to what it deletes.
public enum MeshValidator {
    /// The problems with the mesh after a write.
    ///
    /// - Parameters:
    ///   - applied: this write's objects, with the files they come from (empty for a delete).
    ///   - stored: the objects in the store before the write (their typed form, with the file each was applied
    ///     from). Those the write replaces or removes are left out of the result.
    ///   - removed: what the write deletes (named deletes, `--prune`, `--cascade`).
    ///   - invalid: objects of this write that failed their own checks (references to them are not reported again).
    /// - Returns: every problem, sorted. Problems that the stored objects already had before the write are left out:
    ///   they are not this write's doing, and must not block the write that repairs them.
    public static func validate(applied: [LoadedObject], stored: [LoadedObject], removed: Set<ObjectKey> = [],
                                invalid: Set<ObjectKey> = []) -> [Diagnostic] {
        let replaced = Set(applied.map(\.object.key)).union(removed)
        let kept = stored.filter { !replaced.contains($0.object.key) }
        let keptKeys = Set(kept.map(\.object.key))
        let result = kept + applied
        var diagnostics = CrossValidator.validate(result, invalid: invalid, stored: keptKeys, removed: removed,
                                                  withStore: true)
        for reference in MeshReferences.referrers(of: removed, in: result.map(\.object)) {
            guard let referrer = result.first(where: { $0.object.key == reference.from }) else { continue }
            let note = keptKeys.contains(reference.from) ? " (in stored \(reference.from), applied earlier)" : ""
            diagnostics.append(Diagnostic(
                file: referrer.source.file, mark: referrer.source.mark(of: reference.path), path: reference.path,
                message: "\(reference.to.kind.rawValue) \"\(reference.to.name)\" would be deleted, but this still refers to it\(note)"))
        }
        if !kept.isEmpty {
            let before = Set(CrossValidator.validate(stored, stored: Set(stored.map(\.object.key)), withStore: true)
                .map(\.description))
            diagnostics.removeAll { before.contains($0.description) }
        }
        return diagnostics.sorted()
    }

    /// One line per deleted object that something kept still refers to, for the person who asked for the delete:
    /// `cannot delete service/web-v2: trafficsplit/web still refers to it (spec.backends[1].service); ...`.
    /// Empty when nothing dangles.
    public static func refusals(removed: Set<ObjectKey>, remaining: [ManifestObject], verb: String = "delete",
                                remedy: String = "delete or change them first, or delete with --cascade") -> [String] {
        let kept = remaining.filter { !removed.contains($0.key) }
        let references = MeshReferences.referrers(of: removed, in: kept)
        return Dictionary(grouping: references, by: \.to).sorted { $0.key < $1.key }.map { target, references in
            let referrers = references.map { "\($0.from) (\($0.path))" }.joined(separator: ", ")
            // A caller is not a dependent (`MeshReferences.cascade`): --cascade would not help there.
            let callers = references.allSatisfy { $0.from.kind == .service }
            return "cannot \(verb) \(target): still referred to by \(referrers); "
                + (callers ? "remove it from their spec.upstreams first" : remedy)
        }
    }
}
