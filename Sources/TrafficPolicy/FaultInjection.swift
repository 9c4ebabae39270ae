/// Istio's HTTP fault injection for the requests of one route: a fixed delay for `delay.percentage` percent of
/// them, and an abort with `abort.httpStatus` for `abort.percentage` percent. The two are drawn independently;
/// a request drawn for both is delayed first, then aborted (Envoy's fault filter does the same).
public struct FaultInjection: Sendable, Hashable {
    public struct Delay: Sendable, Hashable {
        /// Nanoseconds.
        public var fixedDelay: UInt64
        /// 0–100; fractions allowed (0.1 is one request in a thousand).
        public var percentage: Double

        public init(fixedDelay: UInt64, percentage: Double) {
            self.fixedDelay = fixedDelay
            self.percentage = percentage
        }
    }

    public struct Abort: Sendable, Hashable {
        /// 200–599 (200 for a gRPC abort).
        public var httpStatus: Int
        /// The gRPC status the call ends with (`grpc-status`); nil for an HTTP abort.
        public var grpcStatus: Int?
        public var percentage: Double

        public init(httpStatus: Int, grpcStatus: Int? = nil, percentage: Double) {
            self.httpStatus = httpStatus
            self.grpcStatus = grpcStatus
            self.percentage = percentage
        }
    }

    /// What happens to one request.
    public struct Decision: Sendable, Hashable {
        /// Nanoseconds to wait before the first try; 0 for none.
        public var delay: UInt64
        /// The status to answer with (after the delay); nil to send the request on.
        public var abortStatus: Int?
        /// With `abortStatus`: the gRPC status the answer carries (`grpc-status`).
        public var abortGRPCStatus: Int?

        public init(delay: UInt64 = 0, abortStatus: Int? = nil, abortGRPCStatus: Int? = nil) {
            self.delay = delay
            self.abortStatus = abortStatus
            self.abortGRPCStatus = abortGRPCStatus
        }

        public static let none = Decision()
    }

    public var delay: Delay?
    public var abort: Abort?

    public init(delay: Delay? = nil, abort: Abort? = nil) {
        self.delay = delay
        self.abort = abort
    }

    /// Draws the faults of one request.
    public func decide<R: RandomNumberGenerator>(random: inout R) -> Decision {
        var decision = Decision.none
        if let delay, Percentage.drawn(delay.percentage, random: &random) { decision.delay = delay.fixedDelay }
        if let abort, Percentage.drawn(abort.percentage, random: &random) {
            decision.abortStatus = abort.httpStatus
            decision.abortGRPCStatus = abort.grpcStatus
        }
        return decision
    }
}
