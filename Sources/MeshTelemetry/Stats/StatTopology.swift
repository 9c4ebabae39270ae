/// What `meshctl stat` reports on: the applied Services and, for each TrafficSplit, its root and backends.
public struct StatTopology: Codable, Sendable, Hashable {
    public struct Split: Codable, Sendable, Hashable {
        public var name: String
        public var root: String
        public var backends: [String]

        public init(name: String, root: String, backends: [String]) {
            self.name = name
            self.root = root
            self.backends = backends
        }
    }

    public var services: [String]
    public var splits: [Split]

    public init(services: [String], splits: [Split]) {
        self.services = services
        self.splits = splits
    }

    /// Rows for the window between two scrapes, optionally only one object (`Service` or `TrafficSplit` by name).
    ///
    /// A service's row is its client side (gateway and outbound listeners, where retries happen). A split's root
    /// has no traffic of its own while the split applies — the proxies count each request under the backend they
    /// chose — so its row sums its backends, and each backend gets a row of its own: the callers' view per backend.
    public func rows(from start: MeshScrape, to end: MeshScrape, only: (kind: String, name: String)? = nil)
        -> [StatRow]
    {
        let seconds = end.time - start.time
        func delta(_ service: String) -> TrafficCounters {
            end.clientSide(service).since(start.clientSide(service))
        }
        let splitByRoot = Dictionary(splits.map { ($0.root, $0) }, uniquingKeysWith: { first, _ in first })
        var rows: [StatRow] = []
        for service in services.sorted() {
            if let only, !(only.kind == "Service" && only.name == service)
                && !(only.kind == "TrafficSplit" && splitByRoot[service]?.name == only.name) {
                continue
            }
            guard let split = splitByRoot[service] else {
                rows.append(StatRow(kind: "Service", name: service,
                                    metrics: GoldenMetrics(delta: delta(service), seconds: seconds)))
                continue
            }
            let parts = split.backends.map { (name: $0, delta: delta($0)) }
            let total = parts.reduce(delta(service)) { $0 + $1.delta }
            rows.append(StatRow(kind: "Service", name: service, metrics: GoldenMetrics(delta: total, seconds: seconds)))
            for part in parts {
                rows.append(StatRow(kind: "Backend", name: part.name, parent: service,
                                    metrics: GoldenMetrics(delta: part.delta, seconds: seconds)))
            }
        }
        return rows
    }
}
