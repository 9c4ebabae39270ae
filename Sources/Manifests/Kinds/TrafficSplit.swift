/// SMI TrafficSplit: requests to the root `service` are shared among `backends` by relative weight. The model is
/// close to Gateway API's HTTPRoute `backendRefs[].weight`, SMI's successor.
public struct TrafficSplit: Sendable, Hashable, Codable {
    public var apiVersion: String
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(apiVersion: String = APIVersion.mesh, metadata: ObjectMeta, spec: Spec) {
        self.apiVersion = apiVersion
        self.metadata = metadata
        self.spec = spec
    }

    public struct Spec: Sendable, Hashable, Codable {
        /// The root service clients call.
        public var service: String
        public var backends: [Backend]
        /// Only requests matching one of these routes are split; the rest go to the root service's own backends
        /// (SMI v1alpha3+). Empty: every request is split.
        public var matches: [RouteReference]

        public init(service: String, backends: [Backend], matches: [RouteReference] = []) {
            self.service = service
            self.backends = backends
            self.matches = matches
        }
    }

    public struct Backend: Sendable, Hashable, Codable {
        public var service: String
        /// Relative weight. Under `split.smi-spec.io/v1alpha1` in thousandths (the quantity `100m` is 100, `1` is
        /// 1000); only ratios matter, so the operator may use it as is.
        public var weight: Int

        public init(service: String, weight: Int) {
            self.service = service
            self.weight = weight
        }
    }

    /// A reference to an HTTPRouteGroup, optionally to some of its matches by name.
    public struct RouteReference: Sendable, Hashable, Codable {
        /// Always `HTTPRouteGroup`.
        public var kind: String
        public var name: String
        /// Names of matches in the group; empty means all of them.
        public var matches: [String]

        public init(kind: String = "HTTPRouteGroup", name: String, matches: [String] = []) {
            self.kind = kind
            self.name = name
            self.matches = matches
        }
    }

    /// v1alpha1 writes weights as Kubernetes quantities.
    public var usesQuantityWeights: Bool { apiVersion == "split.smi-spec.io/v1alpha1" }

    /// Each backend's share of traffic, 0...1 (all zero if every weight is 0).
    public var shares: [(service: String, share: Double)] {
        // Summed as Double: weights are only bounded by Int, and their sum must not trap.
        let total = spec.backends.reduce(0.0) { $0 + Double($1.weight) }
        return spec.backends.map { ($0.service, total == 0 ? 0 : Double($0.weight) / total) }
    }
}
