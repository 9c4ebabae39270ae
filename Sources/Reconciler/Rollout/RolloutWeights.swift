/// The routing a rollout asks of every sidecar that routes the service: the split between the stable and the new
/// side, and whether the new side is reachable as a preview (blue-green: through the gateway with the preview header,
/// or on the preview port) whatever its weight.
public struct RolloutWeights: Codable, Sendable, Hashable, CustomStringConvertible {
    /// Percent of traffic to the stable side, 0-100.
    public var stable: Int
    /// Percent of traffic to the new side (canary or preview), 0-100; `stable + canary == 100`.
    public var canary: Int
    /// The new side answers preview requests even at weight 0.
    public var preview: Bool

    public init(stable: Int, canary: Int, preview: Bool = false) {
        self.stable = stable
        self.canary = canary
        self.preview = preview
    }

    /// Everything to the new side: canary weight as given, the rest to stable.
    public init(canary: Int, preview: Bool = false) {
        let clamped = min(max(canary, 0), 100)
        self.init(stable: 100 - clamped, canary: clamped, preview: preview)
    }

    /// All traffic on stable, no preview: where every rollback and abort ends.
    public static let stableOnly = RolloutWeights(stable: 100, canary: 0)
    /// All traffic on the new side (the switch of a promotion).
    public static let newOnly = RolloutWeights(stable: 0, canary: 100)

    public var description: String { "\(stable)/\(canary)\(preview ? " +preview" : "")" }
}
