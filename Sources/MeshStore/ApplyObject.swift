import Foundation

/// One object as `apply` receives it: the store knows nothing of manifest kinds, only their canonical JSON.
public struct ApplyObject: Sendable, Hashable {
    public var key: ObjectKey
    /// As written in the manifest (for example `split.smi-spec.io/v1alpha2`), so `get -o yaml` gives it back.
    /// A change of apiVersion alone is a metadata change: resourceVersion moves, generation does not.
    public var apiVersion: String
    /// The canonical JSON encoding of `spec` (a JSON object). Compared byte for byte to decide whether the spec
    /// changed, so the caller must encode deterministically (sorted keys).
    public var spec: Data
    public var labels: [String: String]
    public var annotations: [String: String]
    /// The object's typed form, opaque to the store (the operator's Codable JSON of the validated object, with the
    /// file it came from), kept so that loads need no parsing. Not compared: a change of it alone (the object moved
    /// in its file) is written without moving generation or resourceVersion.
    public var typed: Data?

    public init(
        key: ObjectKey,
        apiVersion: String = "",
        spec: Data,
        labels: [String: String] = [:],
        annotations: [String: String] = [:],
        typed: Data? = nil
    ) {
        self.key = key
        self.apiVersion = apiVersion
        self.spec = spec
        self.labels = labels
        self.annotations = annotations
        self.typed = typed
    }

    public init(
        kind: String,
        name: String,
        apiVersion: String = "",
        spec: String,
        labels: [String: String] = [:],
        annotations: [String: String] = [:],
        typed: Data? = nil
    ) {
        self.init(
            key: ObjectKey(kind: kind, name: name),
            apiVersion: apiVersion,
            spec: Data(spec.utf8),
            labels: labels,
            annotations: annotations,
            typed: typed
        )
    }
}

/// Judges the mesh an apply would leave, inside its transaction (so no concurrent write can slip between the check
/// and the commit): `stored` is every object before the apply, `pruned` what `--prune` would delete. Throwing refuses
/// the apply; the error reaches the caller as thrown and nothing is written.
public typealias ApplyCheck = @Sendable (_ stored: [StoredObject], _ pruned: Set<ObjectKey>) throws -> Void

/// Decides, inside a delete's transaction, what it deletes: given every stored object and the keys asked for,
/// returns the keys to delete (a cascade adds the objects that refer to them), or throws to refuse.
public typealias DeletePlan = @Sendable (_ stored: [StoredObject], _ requested: [ObjectKey]) throws -> [ObjectKey]

/// How an apply is carried out.
public struct ApplyOptions: Sendable {
    /// The directory (or other identity) the objects were applied from. `prune` deletes only objects with this source.
    /// `nil` leaves an existing object's source as it was.
    public var source: String?
    /// Optimistic concurrency: for each key listed (applied by this call or not), the object's current
    /// resourceVersion must equal the value, or the object must not exist when the value is 0. Otherwise the apply
    /// fails with `StoreError.conflict`, listing every stale key, and writes nothing.
    public var expectedResourceVersions: [ObjectKey: Int64]
    /// Delete objects previously applied from `source` that this apply no longer contains.
    public var prune: Bool
    /// Compute the outcome (for `meshctl diff`) and roll back instead of committing.
    public var dryRun: Bool
    /// Whole-mesh validity, judged inside the transaction; nil: only the store's own checks.
    public var check: ApplyCheck?

    public init(
        source: String? = nil,
        expectedResourceVersions: [ObjectKey: Int64] = [:],
        prune: Bool = false,
        dryRun: Bool = false,
        check: ApplyCheck? = nil
    ) {
        self.source = source
        self.expectedResourceVersions = expectedResourceVersions
        self.prune = prune
        self.dryRun = dryRun
        self.check = check
    }
}
