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

    public init(
        key: ObjectKey,
        apiVersion: String = "",
        spec: Data,
        labels: [String: String] = [:],
        annotations: [String: String] = [:]
    ) {
        self.key = key
        self.apiVersion = apiVersion
        self.spec = spec
        self.labels = labels
        self.annotations = annotations
    }

    public init(
        kind: String,
        name: String,
        apiVersion: String = "",
        spec: String,
        labels: [String: String] = [:],
        annotations: [String: String] = [:]
    ) {
        self.init(
            key: ObjectKey(kind: kind, name: name),
            apiVersion: apiVersion,
            spec: Data(spec.utf8),
            labels: labels,
            annotations: annotations
        )
    }
}

/// How an apply is carried out.
public struct ApplyOptions: Sendable, Hashable {
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

    public init(
        source: String? = nil,
        expectedResourceVersions: [ObjectKey: Int64] = [:],
        prune: Bool = false,
        dryRun: Bool = false
    ) {
        self.source = source
        self.expectedResourceVersions = expectedResourceVersions
        self.prune = prune
        self.dryRun = dryRun
    }
}
