/// Istio's HTTP fault injection for the requests a caller-side proxy (outbound or gateway listener) routes to
/// `service`, the service the caller addressed: a fixed delay and/or an abort, each for a percentage of the
/// requests that fit `match` (all requests when absent). The first fault of a service whose match fits applies.
public struct FaultConfig: Sendable, Hashable, Codable {
    public struct Delay: Sendable, Hashable, Codable {
        public var fixedDelay: Duration
        /// 0–100, fractions allowed.
        public var percentage: Double

        public init(fixedDelay: Duration, percentage: Double) {
            self.fixedDelay = fixedDelay
            self.percentage = percentage
        }

        private enum CodingKeys: String, CodingKey { case fixedDelay, percentage }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.fixedDelay = try c.decodeDuration(forKey: .fixedDelay)
            self.percentage = try c.decodeIfPresent(Double.self, forKey: .percentage) ?? 100
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeDuration(fixedDelay, forKey: .fixedDelay)
            try c.encode(percentage, forKey: .percentage)
        }
    }

    public struct Abort: Sendable, Hashable, Codable {
        /// 200–599; 200 (the default) with `grpcStatus`.
        public var httpStatus: Int
        /// 0–16: answered as a gRPC Trailers-Only response (HTTP 200, `grpc-status`); nil for an HTTP abort.
        public var grpcStatus: Int?
        public var percentage: Double

        public init(httpStatus: Int, grpcStatus: Int? = nil, percentage: Double) {
            self.httpStatus = httpStatus
            self.grpcStatus = grpcStatus
            self.percentage = percentage
        }

        private enum CodingKeys: String, CodingKey { case httpStatus, grpcStatus, percentage }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.grpcStatus = try c.decodeIfPresent(Int.self, forKey: .grpcStatus)
            self.httpStatus = try grpcStatus == nil ? c.decode(Int.self, forKey: .httpStatus)
                : c.decodeIfPresent(Int.self, forKey: .httpStatus) ?? 200
            self.percentage = try c.decodeIfPresent(Double.self, forKey: .percentage) ?? 100
        }
    }

    /// Where it came from (`faultinjection/web-chaos`), for errors and `GET /config`.
    public var name: String
    /// The service the caller addressed (a split's root, or a plain service).
    public var service: String
    /// Only requests fitting this match; nil for all.
    public var match: RouteMatch?
    public var delay: Delay?
    public var abort: Abort?

    public init(name: String, service: String, match: RouteMatch? = nil, delay: Delay? = nil, abort: Abort? = nil) {
        self.name = name
        self.service = service
        self.match = match
        self.delay = delay
        self.abort = abort
    }
}
