/// The mesh as the dashboard draws it: the applied Services, and each TrafficSplit's root with its backends and
/// the weights the proxies are given (a rollout's weights where one manages the split).
public struct DashboardTopology: Codable, Sendable, Hashable {
    public struct Split: Codable, Sendable, Hashable {
        public var name: String
        public var root: String
        public var backends: [String]
        /// Percent per backend, as configured now.
        public var weights: [String: Int]

        public init(name: String, root: String, backends: [String], weights: [String: Int]) {
            self.name = name
            self.root = root
            self.backends = backends
            self.weights = weights
        }
    }

    public var services: [String]
    public var splits: [Split]

    public init(services: [String], splits: [Split]) {
        self.services = services
        self.splits = splits
    }

    /// The split a service is a backend of (its root), if any.
    func root(of backend: String) -> String? {
        splits.first { $0.backends.contains(backend) && $0.root != backend }?.root
    }
}
