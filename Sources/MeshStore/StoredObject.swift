import Foundation

/// One object as stored, with the bookkeeping Kubernetes keeps in `metadata` and `status`.
public struct StoredObject: Sendable, Hashable {
    public var key: ObjectKey
    /// As last applied.
    public var apiVersion: String
    /// Bumped only when the spec changes (what `status.observedGeneration` is compared against).
    public var generation: Int64
    /// The store revision of the last write to this object (spec, metadata or status); monotonic store-wide.
    public var resourceVersion: Int64
    /// Canonical JSON of `spec`, as applied.
    public var spec: Data
    public var labels: [String: String]
    public var annotations: [String: String]
    /// The last status the operator wrote, if any.
    public var status: ObjectStatus?
    /// The directory the last apply came from (used by `apply --prune`).
    public var source: String?
    /// The typed form given at apply (see `ApplyObject.typed`); nil for objects stored before it was kept.
    public var typed: Data?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        key: ObjectKey,
        apiVersion: String = "",
        generation: Int64,
        resourceVersion: Int64,
        spec: Data,
        labels: [String: String] = [:],
        annotations: [String: String] = [:],
        status: ObjectStatus? = nil,
        source: String? = nil,
        typed: Data? = nil,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.typed = typed
        self.key = key
        self.apiVersion = apiVersion
        self.generation = generation
        self.resourceVersion = resourceVersion
        self.spec = spec
        self.labels = labels
        self.annotations = annotations
        self.status = status
        self.source = source
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The status the operator writes for an object. The store keeps `observedGeneration` apart from the JSON so that
/// "is the status current?" needs no decoding; the JSON holds everything else (conditions, replicas, ...).
public struct ObjectStatus: Sendable, Hashable {
    /// The generation the operator had acted on when it wrote this status.
    public var observedGeneration: Int64
    /// A JSON object, for example `{"conditions":[{"type":"Ready","status":"True",...}],"readyReplicas":2}`.
    public var json: Data

    public init(observedGeneration: Int64, json: Data) {
        self.observedGeneration = observedGeneration
        self.json = json
    }

    public init(observedGeneration: Int64, json: String) {
        self.init(observedGeneration: observedGeneration, json: Data(json.utf8))
    }
}
