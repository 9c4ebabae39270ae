import Foundation
import Manifests
import MeshStore

/// Which services a rollout moves traffic between and the analysis thresholds it judges by: what the dashboard
/// charts against and `/metrics` labels weights with. Read from the stored Rollout spec (canonical JSON) without
/// loading the whole mesh, so a Prometheus scrape stays cheap.
public struct RolloutTargets: Codable, Sendable, Hashable {
    public var name: String
    public var trafficSplit: String
    public var strategy: String
    public var stableService: String
    public var newService: String
    /// `request-success-rate` minimum, in percent; nil when the analysis has no such check.
    public var successRateMin: Double?
    /// `request-duration` maximum in milliseconds and its percentile (99 = p99).
    public var latencyMaxMs: Double?
    public var latencyPercentile: Double

    public init(name: String, trafficSplit: String, strategy: String, stableService: String, newService: String,
                successRateMin: Double? = nil, latencyMaxMs: Double? = nil, latencyPercentile: Double = 99) {
        self.name = name
        self.trafficSplit = trafficSplit
        self.strategy = strategy
        self.stableService = stableService
        self.newService = newService
        self.successRateMin = successRateMin
        self.latencyMaxMs = latencyMaxMs
        self.latencyPercentile = latencyPercentile
    }

    /// From a stored Rollout; nil when its spec does not decode (never for what `apply` accepted).
    init?(name: String, specJSON: Data) {
        struct Spec: Decodable {
            struct Metric: Decodable {
                struct Range: Decodable {
                    var min: LenientNumber?
                    var max: LenientNumber?
                }
                var name: String
                var thresholdRange: Range?
                var percentile: LenientNumber?
            }
            struct Analysis: Decodable { var metrics: [Metric]? }
            struct Canary: Decodable {
                var stableService: String
                var canaryService: String
                var analysis: Analysis?
            }
            struct BlueGreen: Decodable {
                var activeService: String
                var previewService: String
                var prePromotionAnalysis: Analysis?
            }
            var trafficSplit: String
            var canary: Canary?
            var blueGreen: BlueGreen?
        }
        guard let spec = try? JSONDecoder().decode(Spec.self, from: specJSON) else { return nil }
        let analysis: Spec.Analysis?
        if let canary = spec.canary {
            self.init(name: name, trafficSplit: spec.trafficSplit, strategy: "canary",
                      stableService: canary.stableService, newService: canary.canaryService)
            analysis = canary.analysis
        } else if let blueGreen = spec.blueGreen {
            self.init(name: name, trafficSplit: spec.trafficSplit, strategy: "blueGreen",
                      stableService: blueGreen.activeService, newService: blueGreen.previewService)
            analysis = blueGreen.prePromotionAnalysis
        } else {
            return nil
        }
        // Stored specs are canonical: the metrics are always listed, defaults included.
        for metric in analysis?.metrics ?? [] {
            switch metric.name {
            case "request-success-rate": successRateMin = metric.thresholdRange?.min?.value
            case "request-duration":
                latencyMaxMs = metric.thresholdRange?.max?.value
                latencyPercentile = metric.percentile?.value ?? 99
            default: break
            }
        }
    }

    /// Every stored Rollout's targets.
    static func load(from store: SQLiteStore) async -> [RolloutTargets] {
        guard let stored = try? await store.objects(kind: "Rollout") else { return [] }
        return stored.compactMap { RolloutTargets(name: $0.key.name, specJSON: $0.spec) }
    }
}

/// A number written as a JSON number or as a string (canonical decimals may be either).
private struct LenientNumber: Decodable {
    var value: Double

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            value = number
        } else if let number = Double(try container.decode(String.self)) {
            value = number
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a number")
        }
    }
}
