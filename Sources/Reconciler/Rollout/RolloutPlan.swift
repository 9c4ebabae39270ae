import Manifests

/// A Rollout's spec reduced to what the machine steps through, in seconds: Flagger's `stepWeight`/`maxWeight` become
/// explicit `setWeight` steps, so both progressions run through the same code.
public struct RolloutPlan: Sendable, Hashable {
    public enum Strategy: Sendable, Hashable {
        case canary
        case blueGreen
    }

    public var strategy: Strategy
    /// Canary steps; empty for blue-green.
    public var steps: [RolloutStep]
    /// Canary: `canary.analysis`. Blue-green: `prePromotionAnalysis`, nil when none.
    public var analysis: Rollout.Analysis?
    public var progressDeadline: Double
    /// Blue-green only: promote this long after the preview is ready and its analysis passed; nil waits for promote.
    public var autoPromotionSeconds: Double?
    /// Blue-green only: how long the old version keeps running after the switch. 0 for canary.
    public var scaleDownDelay: Double
    /// Blue-green only: how a user reaches the preview, for status ("header x-mesh-preview: 1", "port 9089").
    public var previewAccess: String?

    public init(_ spec: Rollout.Spec) {
        progressDeadline = Self.seconds(spec.progressDeadline)
        switch spec.strategy {
        case .canary(let canary):
            strategy = .canary
            analysis = canary.analysis
            autoPromotionSeconds = nil
            scaleDownDelay = 0
            previewAccess = nil
            switch canary.progression {
            case .steps(let steps):
                self.steps = steps.map {
                    switch $0 {
                    case .setWeight(let weight): .setWeight(min(max(weight, 0), 100))
                    case .pause(let duration): .pause(duration.map(Self.seconds))
                    case .setHeaderRoute(let route): .setHeaderRoute(RolloutHeaderRoute(route))
                    case .setMirrorRoute(let route): .setMirrorRoute(RolloutMirrorRoute(route))
                    }
                }
            case .linear(let stepWeight, let maxWeight):
                self.steps = Self.linearSteps(stepWeight: stepWeight, maxWeight: maxWeight).map { .setWeight($0) }
            }
        case .blueGreen(let blueGreen):
            strategy = .blueGreen
            steps = []
            analysis = blueGreen.prePromotionAnalysis
            autoPromotionSeconds = blueGreen.autoPromotionSeconds.map(Double.init)
            scaleDownDelay = Self.seconds(blueGreen.scaleDownDelay)
            switch blueGreen.preview {
            case .header(let name, let value): previewAccess = "header \(name.lowercased()): \(value)"
            case .port(let port): previewAccess = "port \(port)"
            }
        }
    }

    /// Flagger: +stepWeight per passing interval, the last step capped at maxWeight (20, 40, 50 for 20 up to 50).
    static func linearSteps(stepWeight: Int, maxWeight: Int) -> [Int] {
        let top = min(max(maxWeight, 1), 100)
        let step = min(max(stepWeight, 1), top)
        var weights = Array(stride(from: step, to: top, by: step))
        weights.append(top)
        return weights
    }

    /// The latency percentiles the analysis asks for: what the operator must read from the sidecars' histograms into
    /// `AnalysisSample.latencyMs`.
    public var latencyPercentiles: [Double] {
        (analysis?.metrics ?? []).compactMap {
            if case .latency(_, let percentile) = $0 { percentile } else { nil }
        }
    }

    public var interval: Double { analysis.map { Self.seconds($0.interval) } ?? 10 }

    /// How often a condition the machine cannot fix by itself (unhealthy stable, a failing confirm-promotion gate) is
    /// looked at again: every analysis interval, at most every 10 s.
    var recheckInterval: Double { min(interval, 10) }

    func webhooks(_ kind: Rollout.Webhook.Kind) -> [Rollout.Webhook] {
        (analysis?.webhooks ?? []).filter { $0.type == kind }
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}

/// One step of a canary.
public enum RolloutStep: Codable, Sendable, Hashable, CustomStringConvertible {
    /// Send this percent to the canary; the step completes after one passing analysis at this weight.
    case setWeight(Int)
    /// Hold this many seconds (analysing meanwhile), or with nil until promote.
    case pause(Double?)
    /// Add (or, without headers, remove) a header route to the new side; done once every sidecar routes it.
    case setHeaderRoute(RolloutHeaderRoute)
    /// Add (or, without matches, remove) a mirror route to the new side; adding is done after one passing check on
    /// the copies, removing once every sidecar routes without it.
    case setMirrorRoute(RolloutMirrorRoute)

    public var description: String {
        switch self {
        case .setWeight(let weight): "setWeight \(weight)"
        case .pause(nil): "pause until promote"
        case .pause(let seconds?): "pause \(AnalysisEvaluator.format(seconds))s"
        case .setHeaderRoute(let route): route.headers.isEmpty ? "remove header route \(route.name)" : "header route \(route.name)"
        case .setMirrorRoute(let route):
            route.matches.isEmpty ? "remove mirror route \(route.name)" : "mirror route \(route.name) \(route.percentage)%"
        }
    }
}
