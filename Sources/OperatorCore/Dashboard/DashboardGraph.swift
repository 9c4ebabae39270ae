import MeshTelemetry

/// What the dashboard's graph shows (`GET /api/graph`): nodes for the gateway, services and split roots; edges
/// caller → callee with the traffic of the last window, and split root → backend with weight and traffic.
///
/// The proxies count each request under the service it was sent to, and for a split under the backend chosen
/// (`web-canary`, not `web`), so a caller's traffic to a split's backends is drawn as one edge caller → root plus
/// the root → backend edges. Which caller sent it is known because each proxy is scraped on its own.
public struct DashboardGraph: Codable, Sendable, Hashable {
    public struct Node: Codable, Sendable, Hashable {
        public var id: String
        /// `gateway`, `service` or `split` (a split's root service).
        public var kind: String
        /// Column of the layered layout: 0 for the gateway, then one more per hop.
        public var layer: Int
        public var requestsPerSecond: Double
        public var successRate: Double?
    }

    public struct Edge: Codable, Sendable, Hashable {
        public var from: String
        public var to: String
        /// `call` (a caller's requests) or `split` (a root's share to one backend).
        public var kind: String
        public var requestsPerSecond: Double
        /// Client-visible success share (after retries), 0...1; nil without traffic in the window.
        public var successRate: Double?
        public var p99Ms: Double?
        /// Split edges: the configured percent.
        public var weight: Int?
    }

    public var windowSeconds: Double
    public var nodes: [Node]
    public var edges: [Edge]

    public static let gateway = "gateway"

    /// The graph of the traffic between two scrapes of every proxy, keyed by caller (`gateway` or the service whose
    /// sidecars were scraped, replicas summed).
    public static func build(topology: DashboardTopology, from start: [String: MeshScrape],
                             to end: [String: MeshScrape]) -> DashboardGraph {
        var calls: [Pair: TrafficCounters] = [:]
        var shares: [Pair: TrafficCounters] = [:]
        var seconds = 0.0
        for (caller, now) in end {
            let before = start[caller]
            if let before { seconds = max(seconds, now.time - before.time) }
            for (label, counters) in now.byLabel where !label.hasPrefix("local:") {
                let delta = counters.since(before?.byLabel[label] ?? TrafficCounters())
                if let root = topology.root(of: label) {
                    add(delta, to: &calls, Pair(from: caller, to: root))
                    add(delta, to: &shares, Pair(from: root, to: label))
                } else {
                    add(delta, to: &calls, Pair(from: caller, to: label))
                }
            }
        }
        // A split's edges show even before traffic: the weights are the point.
        for split in topology.splits {
            for backend in split.backends where backend != split.root {
                add(TrafficCounters(), to: &shares, Pair(from: split.root, to: backend))
            }
        }
        let window = max(seconds, 0.001)
        var edges: [Edge] = []
        for (pair, delta) in calls {
            edges.append(edge(pair, kind: "call", delta: delta, seconds: window, weight: nil))
        }
        for (pair, delta) in shares {
            let weight = topology.splits.first { $0.root == pair.from }?.weights[pair.to]
            edges.append(edge(pair, kind: "split", delta: delta, seconds: window, weight: weight))
        }
        edges.sort { ($0.from, $0.to) < ($1.from, $1.to) }
        return DashboardGraph(windowSeconds: seconds, nodes: nodes(topology, edges: edges, callers: end.keys),
                              edges: edges)
    }

    private struct Pair: Hashable {
        var from: String
        var to: String
    }

    private static func add(_ delta: TrafficCounters, to sums: inout [Pair: TrafficCounters], _ pair: Pair) {
        sums[pair] = (sums[pair] ?? TrafficCounters()) + delta
    }

    private static func edge(_ pair: Pair, kind: String, delta: TrafficCounters, seconds: Double, weight: Int?)
        -> Edge
    {
        let metrics = GoldenMetrics(delta: delta, seconds: seconds)
        return Edge(from: pair.from, to: pair.to, kind: kind, requestsPerSecond: metrics.requestsPerSecond,
                    successRate: metrics.effectiveSuccess, p99Ms: metrics.p99Ms, weight: weight)
    }

    /// Every service, the gateway when it calls anything, laid out in layers: a node sits one column right of its
    /// furthest caller (relaxed at most once per node, so a call cycle cannot loop).
    private static func nodes(_ topology: DashboardTopology, edges: [Edge],
                              callers: Dictionary<String, MeshScrape>.Keys) -> [Node]
    {
        var ids = Set(topology.services)
        for split in topology.splits { ids.insert(split.root); ids.formUnion(split.backends) }
        for edge in edges { ids.insert(edge.from); ids.insert(edge.to) }
        if callers.contains(gateway) { ids.insert(gateway) }
        var layer: [String: Int] = [:]
        for id in ids { layer[id] = id == gateway ? 0 : 1 }
        for _ in 0..<ids.count {
            var changed = false
            for edge in edges where edge.to != gateway {
                let wanted = min((layer[edge.from] ?? 0) + 1, ids.count)
                if wanted > layer[edge.to] ?? 0 {
                    layer[edge.to] = wanted
                    changed = true
                }
            }
            if !changed { break }
        }
        let roots = Set(topology.splits.map(\.root))
        return ids.sorted().map { id in
            // What reaches the node: its callers' calls, or for a split backend its share of the split.
            let incoming = edges.filter { $0.to == id }
            let rate = incoming.reduce(0) { $0 + $1.requestsPerSecond }
            let success: Double? = rate > 0
                ? incoming.reduce(0) { $0 + $1.requestsPerSecond * ($1.successRate ?? 1) } / rate : nil
            return Node(id: id, kind: id == gateway ? "gateway" : roots.contains(id) ? "split" : "service",
                        layer: layer[id] ?? 1, requestsPerSecond: rate, successRate: success)
        }
    }
}
