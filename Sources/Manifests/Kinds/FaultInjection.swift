#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Injected faults for the requests callers send to a service, with Istio's HTTPFaultInjection semantics: a fixed
/// delay and/or an abort, each for a percentage of the requests fitting `match`. Applied by the callers' proxies
/// (docs/traffic-management.md). `expiresAt` makes it a chaos session: the operator deletes the object then.
public struct FaultInjection: Sendable, Hashable, Codable {
    public var apiVersion: String
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(apiVersion: String = APIVersion.mesh, metadata: ObjectMeta, spec: Spec) {
        self.apiVersion = apiVersion
        self.metadata = metadata
        self.spec = spec
    }

    public struct Spec: Sendable, Hashable, Codable {
        /// The service callers address (a plain service or a split's root).
        public var service: String
        /// Only requests fitting it; nil for every request.
        public var match: HTTPRouteGroup.Match?
        public var delay: Delay?
        public var abort: Abort?
        /// When the operator deletes the object; nil for never.
        public var expiresAt: Date?

        public init(service: String, match: HTTPRouteGroup.Match? = nil, delay: Delay? = nil, abort: Abort? = nil,
                    expiresAt: Date? = nil) {
            self.service = service
            self.match = match
            self.delay = delay
            self.abort = abort
            self.expiresAt = expiresAt
        }
    }

    public struct Delay: Sendable, Hashable, Codable {
        public var fixedDelay: Duration
        /// 0–100, fractions allowed; 100 when not written.
        public var percentage: Double

        public init(fixedDelay: Duration, percentage: Double = 100) {
            self.fixedDelay = fixedDelay
            self.percentage = percentage
        }
    }

    public struct Abort: Sendable, Hashable, Codable {
        /// 200–599; 200 for a gRPC abort (the status is in `grpc-status`).
        public var httpStatus: Int
        /// 0–16: the call ends with this gRPC status (a Trailers-Only response, HTTP 200), as Istio's `grpcStatus`.
        public var grpcStatus: Int?
        public var percentage: Double

        public init(httpStatus: Int, percentage: Double = 100) {
            self.httpStatus = httpStatus
            self.percentage = percentage
        }

        public init(grpcStatus: Int, percentage: Double = 100) {
            self.httpStatus = 200
            self.grpcStatus = grpcStatus
            self.percentage = percentage
        }

        /// gRPC's status names (grpc/doc/statuscodes.md), as Istio writes `grpcStatus`.
        public static let grpcStatusNames = [
            "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
            "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
            "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
        ]
    }
}
