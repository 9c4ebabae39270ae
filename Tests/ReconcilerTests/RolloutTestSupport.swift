import Manifests

@testable import Reconciler

/// Specs, samples and a driver that answers the machine's actions like a healthy operator would, so tests spell out
/// only the part of a rollout they are about.
enum RolloutFixture {
    static let analysis = Rollout.Analysis(interval: .seconds(10), threshold: 2, minRequests: 10)

    static func canary(
        _ steps: [Rollout.Step],
        analysis: Rollout.Analysis = analysis,
        deadline: Duration = .seconds(60)
    ) -> Rollout.Spec {
        Rollout.Spec(
            trafficSplit: "web",
            progressDeadline: deadline,
            strategy: .canary(
                .init(stableService: "web-v1", canaryService: "web-v2", progression: .steps(steps), analysis: analysis)
            )
        )
    }

    static func linear(stepWeight: Int, maxWeight: Int) -> Rollout.Spec {
        Rollout.Spec(
            trafficSplit: "web",
            progressDeadline: .seconds(60),
            strategy: .canary(
                .init(
                    stableService: "web-v1",
                    canaryService: "web-v2",
                    progression: .linear(stepWeight: stepWeight, maxWeight: maxWeight),
                    analysis: analysis
                )
            )
        )
    }

    static func blueGreen(
        autoPromotionSeconds: Int? = nil,
        scaleDownDelay: Duration = .seconds(30),
        analysis: Rollout.Analysis? = nil
    ) -> Rollout.Spec {
        Rollout.Spec(
            trafficSplit: "web",
            progressDeadline: .seconds(60),
            strategy: .blueGreen(
                .init(
                    activeService: "web-blue",
                    previewService: "web-green",
                    autoPromotionSeconds: autoPromotionSeconds,
                    scaleDownDelay: scaleDownDelay,
                    prePromotionAnalysis: analysis
                )
            )
        )
    }

    static func good(_ start: Double, _ end: Double) -> AnalysisSample {
        AnalysisSample(windowStart: start, windowEnd: end, requests: 100, successes: 100, latencyMs: [99: 40])
    }

    static func bad(_ start: Double, _ end: Double) -> AnalysisSample {
        AnalysisSample(windowStart: start, windowEnd: end, requests: 100, successes: 80, latencyMs: [99: 40])
    }

    static func quiet(_ start: Double, _ end: Double) -> AnalysisSample {
        AnalysisSample(windowStart: start, windowEnd: end, requests: 2, successes: 0, latencyMs: [99: 40])
    }
}

extension [RolloutAction] {
    var weights: [RolloutWeights] { compactMap { if case .setWeights(let weights) = $0 { weights } else { nil } } }
    var promotions: [String] { compactMap { if case .promote(let revision) = $0 { revision } else { nil } } }
    var reasons: [String] { compactMap { if case .recordEvent(let event) = $0 { event.reason } else { nil } } }
    var requeue: Double? { compactMap { if case .requeue(let after) = $0 { after } else { nil } }.last }
    var collects: Bool { contains(.collectAnalysis) }
    var checksStable: Bool { contains(.checkStableHealthy) }
}

/// A machine with a clock and a log of every action, and helpers that play the operator's part.
struct RolloutDriver {
    var machine: RolloutMachine
    var now: Double = 0
    /// Every action ever returned, in order.
    var log: [RolloutAction] = []
    /// What the stable side runs, as the driver's fake world sees it (updated by `.promote`).
    var stableSide = "r1"

    init(_ spec: Rollout.Spec, stable: String = "r1") {
        machine = RolloutMachine(spec: spec, stableRevision: stable, now: 0)
    }

    var state: RolloutState { machine.state }

    @discardableResult
    mutating func run(_ body: (inout RolloutMachine, Double) throws -> [RolloutAction]) rethrows -> [RolloutAction] {
        let actions = try body(&machine, now)
        log += actions
        for case .promote(let revision) in actions { stableSide = revision }
        return actions
    }

    @discardableResult
    mutating func at(_ time: Double, _ body: (inout RolloutMachine, Double) throws -> [RolloutAction]) rethrows
        -> [RolloutAction]
    {
        now = time
        return try run(body)
    }

    /// Starts rolling out `revision` and reports the new side ready.
    @discardableResult
    mutating func begin(_ revision: String = "r2") -> [RolloutAction] {
        run { $0.newRevision(revision, now: $1) } + run { $0.newSideReady(revision: revision, now: $1) }
    }

    /// Confirms whatever weights are pending.
    @discardableResult
    mutating func confirm() -> [RolloutAction] {
        guard let pending = state.pendingWeights else { return [] }
        return run { $0.weightsConfirmed(pending, now: $1) }
    }

    /// Moves the clock to the end of the open analysis window, ticks (which must ask for a sample), and reports one.
    @discardableResult
    mutating func analyse(_ sample: (Double, Double) -> AnalysisSample) -> [RolloutAction] {
        guard let start = state.analysisWindowStart else { return [] }
        now = max(now, start + machine.plan.interval)
        let ticked = run { $0.tick(now: $1) }
        guard ticked.collects else { return ticked }
        return ticked + run { $0.analysisResult(sample(start, $1), now: $1) }
    }

    /// Answers every outstanding request like a healthy world until the machine waits only on the clock or a person
    /// (bounded).
    mutating func settle() {
        for _ in 0..<20 {
            if state.pendingWeights != nil { confirm(); continue }
            switch state.stage {
            case .rollingBack(.checkingStable) where state.nextStableCheckAt == nil:
                run { $0.stableHealthy(true, now: $1) }
            case .rollingBack(.revertingStable), .updatingStable:
                let side = stableSide
                run { $0.stableUpdated(revision: side, now: $1) }
            default:
                return
            }
        }
    }
}
