import DurationText

extension Service {
    /// Replicas from `min` to `max`, as many as the request rate its sidecars count needs at `targetRPSPerReplica`
    /// each (Kubernetes' HorizontalPodAutoscaler on a requests-per-second metric): up at once, down only once every
    /// recommendation of the last `scaleDownStabilization` agrees (docs/discovery.md, "Autoscaling").
    public struct Autoscale: Sendable, Hashable, Codable {
        public var min: Int
        public var max: Int
        public var targetRPSPerReplica: Double
        /// Kubernetes' default for scale-down is 300 s.
        public var scaleDownStabilization: Duration

        public static let defaultScaleDownStabilization: Duration = .seconds(300)

        public init(min: Int, max: Int, targetRPSPerReplica: Double,
                    scaleDownStabilization: Duration = Self.defaultScaleDownStabilization) {
            self.min = min
            self.max = max
            self.targetRPSPerReplica = targetRPSPerReplica
            self.scaleDownStabilization = scaleDownStabilization
        }
    }
}

extension Service.Autoscale {
    /// Reads `spec.autoscale`.
    init?(decoding reader: inout FieldReader) {
        let min = reader.int("min", 1...64, required: true)
        let maxNode = reader.value("max")
        var max: Int?
        if let maxNode {
            max = reader.context.int(maxNode, reader.fieldPath("max"), 1...64)
            if let min, let value = max, value < min {
                reader.context.error(maxNode.mark, reader.fieldPath("max"), "must be at least min (\(min)), got \(value)")
                max = nil
            }
        } else {
            reader.context.error(reader.mark, reader.fieldPath("max"), "required field is missing")
        }
        let targetNode = reader.value("targetRPSPerReplica")
        let target = targetNode.flatMap {
            reader.context.decimal($0, reader.fieldPath("targetRPSPerReplica"), 0.001...1_000_000)
        }
        if targetNode == nil {
            reader.context.error(reader.mark, reader.fieldPath("targetRPSPerReplica"), "required field is missing")
        }
        var window = Self.defaultScaleDownStabilization
        if let node = reader.value("scaleDownStabilization"),
           let value = reader.context.duration(node, reader.fieldPath("scaleDownStabilization")) {
            if value > .seconds(3600) {
                reader.context.error(node.mark, reader.fieldPath("scaleDownStabilization"),
                                     "must be at most 1h, got \(value.canonicalText)")
            }
            window = value
        }
        guard let min, let max, let target else { return nil }
        self.init(min: min, max: max, targetRPSPerReplica: target, scaleDownStabilization: window)
    }

    /// Kubernetes lets an HPA overwrite the Deployment's count; here one count has one owner.
    static let replicasConflict = "a fixed count conflicts with autoscale, which sets the count from min to max: "
        + "remove replicas, or remove autoscale to scale by hand (meshctl scale)"

    var canonical: CanonicalValue {
        var map = CanonicalMap()
        map.add("min", .int(min))
        map.add("max", .int(max))
        map.add("targetRPSPerReplica", .decimal(targetRPSPerReplica))
        map.add("scaleDownStabilization", .duration(scaleDownStabilization))
        return map.value
    }
}
