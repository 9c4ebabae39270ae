import Foundation
import MeshTelemetry
import Reconciler

/// The dashboard's memory: the last few scrapes of every proxy (the rate window), the graph they give, and each
/// rollout's points for the last `capacity` samples (10 minutes at one a second). Bounded whatever runs.
actor DashboardHistory {
    let capacity: Int
    /// Rates are over this many sampling intervals (5 s at one sample a second): steadier than one interval.
    let windowSamples: Int
    /// How long after the last page poll the sampler keeps scraping when no rollout is under way.
    let viewerLinger: Double

    private var scrapes: [[String: MeshScrape]] = []
    private(set) var graph = DashboardGraph(windowSeconds: 0, nodes: [], edges: [])
    private var series: [String: RolloutSeries] = [:]
    private var lastViewed = -Double.infinity
    private(set) var samples = 0

    init(capacity: Int = 600, windowSamples: Int = 5, viewerLinger: Double = 60) {
        self.capacity = capacity
        self.windowSamples = windowSamples
        self.viewerLinger = viewerLinger
    }

    /// A page polled: keep sampling for a while.
    func viewed(at uptime: Double) { lastViewed = uptime }

    func recentlyViewed(at uptime: Double) -> Bool { uptime - lastViewed < viewerLinger }

    var rollouts: [RolloutSeries] { series.values.sorted { $0.targets.name < $1.targets.name } }

    /// Adds one sample: every proxy's counters by caller, the topology then, and each rollout's state.
    func record(time: Double, topology: DashboardTopology, callers: [String: MeshScrape],
                rollouts: [(targets: RolloutTargets, state: RolloutState)]) {
        samples += 1
        scrapes.append(callers)
        if scrapes.count > windowSamples + 1 { scrapes.removeFirst(scrapes.count - windowSamples - 1) }
        let start = scrapes.first ?? callers
        graph = DashboardGraph.build(topology: topology, from: start, to: callers)
        var kept: [String: RolloutSeries] = [:]
        for (targets, state) in rollouts {
            let weights = state.desiredWeights
            var entry = series[targets.name] ?? RolloutSeries(
                targets: targets, phase: "", stableWeight: 0, canaryWeight: 0, message: "", points: [])
            entry.targets = targets
            entry.phase = state.phase.rawValue
            entry.stableWeight = weights.stable
            entry.canaryWeight = weights.canary
            entry.message = state.message
            let newSide = Self.serverSide(targets.newService, from: start, to: callers)
            let stableSide = Self.serverSide(targets.stableService, from: start, to: callers)
            entry.points.append(RolloutSeries.Point(
                time: time, stableWeight: weights.stable, canaryWeight: weights.canary, phase: state.phase.rawValue,
                successRate: newSide.success, stableSuccessRate: stableSide.success,
                latencyMs: HistogramQuantile.seconds(targets.latencyPercentile / 100, buckets: newSide.delta.buckets)
                    .map { $0 * 1000 }))
            if entry.points.count > capacity { entry.points.removeFirst(entry.points.count - capacity) }
            kept[targets.name] = entry
        }
        series = kept
    }

    /// A service's traffic as its own sidecars counted it (`local:NAME`), summed over callers' keys.
    private static func serverSide(_ service: String, from start: [String: MeshScrape], to end: [String: MeshScrape])
        -> (delta: TrafficCounters, success: Double?)
    {
        var delta = TrafficCounters()
        var seconds = 0.001
        for (caller, scrape) in end {
            let before = start[caller]
            delta = delta + scrape.serverSide(service).since(before?.serverSide(service) ?? TrafficCounters())
            if let before { seconds = max(seconds, scrape.time - before.time) }
        }
        return (delta, GoldenMetrics(delta: delta, seconds: seconds).effectiveSuccess.map { $0 * 100 })
    }
}
