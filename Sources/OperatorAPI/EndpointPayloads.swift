/// `GET /v1/endpoints`: what the proxies actually hold, read from each ready proxy's admin `/stats`, one row per
/// service and endpoint.
public struct EndpointsView: Codable, Sendable, Hashable {
    public struct Endpoint: Codable, Sendable, Hashable {
        public var service: String
        public var address: String
        /// `replica` (a sidecar the operator runs, `replica` names it), `static` (the Service's `endpoints`) or
        /// `registered` (self-registration).
        public var source: String
        /// The replica whose sidecar this is (`web/2`); nil for the other sources.
        public var replica: String?
        /// Proxies that list it, of `EndpointsView.proxies`.
        public var proxies: Int
        /// Of those, how many see it healthy (active health check), and how many have ejected it (outlier detection).
        public var healthy: Int
        public var ejected: Int
        /// Requests in flight to it, summed over the proxies.
        public var inFlight: Int

        public init(service: String, address: String, source: String, replica: String? = nil, proxies: Int,
                    healthy: Int, ejected: Int, inFlight: Int) {
            self.service = service
            self.address = address
            self.source = source
            self.replica = replica
            self.proxies = proxies
            self.healthy = healthy
            self.ejected = ejected
            self.inFlight = inFlight
        }
    }

    /// Ready proxies asked; those that did not answer are not counted.
    public var proxies: Int
    public var endpoints: [Endpoint]

    public init(proxies: Int, endpoints: [Endpoint]) {
        self.proxies = proxies
        self.endpoints = endpoints
    }
}
