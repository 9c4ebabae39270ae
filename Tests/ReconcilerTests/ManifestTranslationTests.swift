import Foundation
import Manifests
import SidecarConfig
import Testing

@testable import Reconciler

/// Proxy-side Service and RetryPolicy fields reach the sidecar configuration (none is parsed and dropped).
@Suite struct ManifestTranslationTests {
    @Test func connectionPoolAndOutlierFieldsReachTheProxy() {
        let spec = Service.Spec(
            port: 8080, workload: .none,
            outlierDetection: .init(consecutive5xxErrors: 2, interval: .milliseconds(1500), baseEjectionTime: .seconds(5)),
            connectionPool: .init(maxConnections: 7, maxPendingRequests: 3, maxRequestsPerConnection: 100))
        let config = ManifestTranslation.serviceConfig(
            Service(metadata: ObjectMeta(name: "web"), spec: spec), name: "web", endpoints: [])
        #expect(config.outlierDetection?.interval == .milliseconds(1500))
        #expect(config.outlierDetection?.baseEjectionTime == .seconds(5))
        #expect(config.connectionLimits.maxConnections == 7)
        #expect(config.connectionLimits.maxPendingRequests == 3)
        #expect(config.connectionLimits.maxRequestsPerConnection == 100)
    }

    @Test func appProtocolReachesTheProxy() {
        for (manifest, proxy) in [(Service.AppProtocol.http, ServiceConfig.AppProtocol.http), (.http2, .http2),
                                  (.grpc, .grpc), (.tcp, .tcp)] {
            let service = Service(metadata: ObjectMeta(name: "db"), spec: .init(port: 5432, appProtocol: manifest))
            #expect(ManifestTranslation.serviceConfig(service, name: "db", endpoints: []).appProtocol == proxy)
        }
    }

    @Test func listedStatusCodesOfAnyClassAreRetried() {
        let policy = RetryPolicy(metadata: ObjectMeta(name: "r"), spec: .init(service: "web", retryOn: [.gatewayError, .status(404), .status(425)]))
        let config = ManifestTranslation.retryPolicyConfig(policy)
        #expect(config.retriableStatusCodes == [404, 425])
        #expect(config.retryOn.contains(.retriableStatusCodes))
    }

    @Test func grpcConditionsReachTheProxyByName() throws {
        let policy = RetryPolicy(metadata: ObjectMeta(name: "r"), spec: .init(service: "api", retryOn: [.grpc(14), .grpc(1), .reset]))
        let config = ManifestTranslation.retryPolicyConfig(policy)
        #expect(config.retryOn == [.unavailable, .cancelled, .reset])
        let json = String(decoding: try JSONEncoder().encode(config.retryOn), as: UTF8.self)
        #expect(json == #"["unavailable","cancelled","reset"]"#)
    }
}
