/// Chooses a TrafficSplit backend by weight, smoothly interleaved (nginx's smooth weighted round-robin).
///
/// Each pick adds every backend's weight to its running score, takes the backend with the highest score and
/// subtracts the total weight from it. Over any `total` consecutive picks each backend is chosen exactly `weight`
/// times, and the choices are spread out: weights 90/10 give one pick of the 10 every ten picks, not ten in a row.
/// Deterministic, O(backends) per pick, no allocation.
///
/// Weights are relative (SMI): 1/1/1 and 50/50/50 mean the same. A backend of weight 0 is never chosen; negative
/// weights count as 0.
public struct SmoothWeightedRoundRobin: Sendable {
    /// The weights in use, one per backend, in the order given.
    public private(set) var weights: [Int]
    /// Running scores, one per backend.
    private var current: [Int]
    /// Sum of the weights.
    public private(set) var totalWeight: Int

    /// A picker over backends with these weights.
    public init(weights: [Int]) {
        self.weights = []
        self.current = []
        self.totalWeight = 0
        setWeights(weights)
    }

    /// Replaces the weights (a rollout step). The interleaving restarts; the shares follow the new weights from
    /// the next pick on. The backend count may change.
    public mutating func setWeights(_ newWeights: [Int]) {
        weights = newWeights.map { max($0, 0) }
        current = Array(repeating: 0, count: weights.count)
        totalWeight = weights.reduce(0, +)
    }

    /// The backend (an index into `weights`) for the next request, or nil when no backend has a positive weight.
    public mutating func pick() -> Int? {
        pick(excluding: EndpointSet())
    }

    /// The next backend among those not in `excluded` (backends that cannot serve now), interleaved by the
    /// weights of the others alone: with 90/10 and the 10 excluded, every request goes to the 90. Nil when no
    /// backend outside `excluded` has a positive weight.
    public mutating func pick(excluding excluded: EndpointSet) -> Int? {
        var best = -1
        var bestScore = Int.min
        var total = 0
        for index in weights.indices where weights[index] > 0 && !excluded.contains(index) {
            current[index] += weights[index]
            total += weights[index]
            if current[index] > bestScore {
                best = index
                bestScore = current[index]
            }
        }
        if best < 0 { return nil }
        current[best] -= total
        return best
    }
}
