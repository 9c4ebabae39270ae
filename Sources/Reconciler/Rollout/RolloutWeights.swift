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
    /// Canary steps' `setHeaderRoute`s in force: matching requests reach the new side whatever its weight.
    public var headerRoutes: [RolloutHeaderRoute]
    /// Canary steps' `setMirrorRoute`s in force: a share of fitting requests is copied to the new side.
    public var mirrorRoutes: [RolloutMirrorRoute] = []

    public init(stable: Int, canary: Int, preview: Bool = false, headerRoutes: [RolloutHeaderRoute] = []) {
        self.stable = stable
        self.canary = canary
        self.preview = preview
        self.headerRoutes = headerRoutes
    }

    private enum CodingKeys: String, CodingKey { case stable, canary, preview, headerRoutes, mirrorRoutes }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        stable = try c.decode(Int.self, forKey: .stable)
        canary = try c.decode(Int.self, forKey: .canary)
        preview = try c.decode(Bool.self, forKey: .preview)
        // Absent in states stored before header routes existed.
        headerRoutes = try c.decodeIfPresent([RolloutHeaderRoute].self, forKey: .headerRoutes) ?? []
        mirrorRoutes = try c.decodeIfPresent([RolloutMirrorRoute].self, forKey: .mirrorRoutes) ?? []
    }

    /// These weights with `route` added, replacing one of its name; a route without headers removes that name.
    public func setting(_ route: RolloutHeaderRoute) -> Self {
        var copy = self
        copy.headerRoutes.removeAll { $0.name == route.name }
        if !route.headers.isEmpty { copy.headerRoutes.append(route) }
        return copy
    }

    /// These weights with mirror `route` added, replacing one of its name; a route without matches removes that name.
    public func setting(_ route: RolloutMirrorRoute) -> Self {
        var copy = self
        copy.mirrorRoutes.removeAll { $0.name == route.name }
        if !route.matches.isEmpty { copy.mirrorRoutes.append(route) }
        return copy
    }

    /// These weights with the canary at `weight` (clamped) and the rest on stable; header and mirror routes kept.
    public func withCanary(_ weight: Int) -> Self {
        var copy = RolloutWeights(canary: weight, preview: preview, headerRoutes: headerRoutes)
        copy.mirrorRoutes = mirrorRoutes
        return copy
    }

    /// Everything to the new side: canary weight as given, the rest to stable.
    public init(canary: Int, preview: Bool = false, headerRoutes: [RolloutHeaderRoute] = []) {
        let clamped = min(max(canary, 0), 100)
        self.init(stable: 100 - clamped, canary: clamped, preview: preview, headerRoutes: headerRoutes)
    }

    /// All traffic on stable, no preview: where every rollback and abort ends.
    public static let stableOnly = RolloutWeights(stable: 100, canary: 0)
    /// All traffic on the new side (the switch of a promotion).
    public static let newOnly = RolloutWeights(stable: 0, canary: 100)

    public var description: String {
        "\(stable)/\(canary)\(preview ? " +preview" : "")" + headerRoutes.map { " +header(\($0.name))" }.joined()
            + mirrorRoutes.map { " +mirror(\($0.name) \($0.percentage)%)" }.joined()
    }
}
