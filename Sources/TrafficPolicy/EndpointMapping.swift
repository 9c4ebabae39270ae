/// How a new endpoint array relates to the previous one across a config swap: `oldIndex[new]` is where endpoint
/// `new` was before, or nil if it is new.
///
/// The stateful types take one in `carryingOver(_:)`-style initialisers so that a hot swap keeps what was learned
/// (latency estimates, ejections, health) for endpoints that stay, instead of, say, sending traffic straight back
/// to an ejected endpoint because a weight changed. In-flight counts are not carried: requests in flight keep
/// reporting to the state they started on, so the new state starts with none in flight.
public struct EndpointMapping: Sendable, Hashable {
    /// For each new endpoint, its index in the old array, or nil.
    public let oldIndex: [Int?]

    /// A mapping given directly.
    public init(oldIndex: [Int?]) {
        self.oldIndex = oldIndex
    }

    /// The mapping between two endpoint lists identified by a key such as `"127.0.0.1:8081"`. Duplicate keys map
    /// to their first occurrence.
    public init<Key: Hashable>(from old: [Key], to new: [Key]) {
        if old.count <= 8 {
            // A service's few replicas: a walk costs less than hashing every key (a registration patch swaps one).
            self.oldIndex = new.map { key in old.firstIndex(of: key) }
            return
        }
        var positions: [Key: Int] = [:]
        for (index, key) in old.enumerated() where positions[key] == nil { positions[key] = index }
        self.oldIndex = new.map { positions[$0] }
    }

    /// The number of endpoints after the swap.
    public var newCount: Int { oldIndex.count }
}
