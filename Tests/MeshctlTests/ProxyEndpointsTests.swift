import OperatorAPI
import Testing

@testable import OperatorCore

@Suite("proxy endpoints merged")
struct ProxyEndpointsTests {
    private func stats(_ endpoints: [(String, String, inFlight: Int, ejected: Bool, healthy: Bool)]) -> ProxyEndpoints.Stats {
        ProxyEndpoints.Stats(endpoints: endpoints.map {
            .init(service: $0.0, address: $0.1, inFlight: $0.inFlight, ejected: $0.ejected, healthy: $0.healthy)
        })
    }

    @Test func rowsAreMergedAcrossProxiesWithTheirSourceAndLocalServicesLeftOut() {
        var sources = ProxyEndpoints.Sources()
        sources.replicas["web 127.0.0.1:5001"] = "web/0"
        sources.statics.insert("db 127.0.0.1:9")
        sources.registered.insert("web 127.0.0.1:7000")
        let gateway = stats([("web", "127.0.0.1:5001", 2, false, true), ("web", "127.0.0.1:7000", 0, true, true),
                             ("db", "127.0.0.1:9", 0, false, false)])
        let sidecar = stats([("web", "127.0.0.1:5001", 1, false, true), ("local:web", "127.0.0.1:6001", 1, false, true),
                             ("db", "127.0.0.1:9", 0, false, true)])
        let view = ProxyEndpoints.merge([gateway, sidecar], sources: sources)
        #expect(view.proxies == 2)
        #expect(view.endpoints == [
            .init(service: "db", address: "127.0.0.1:9", source: "static", proxies: 2, healthy: 1, ejected: 0, inFlight: 0),
            .init(service: "web", address: "127.0.0.1:5001", source: "replica", replica: "web/0", proxies: 2, healthy: 2,
                  ejected: 0, inFlight: 3),
            .init(service: "web", address: "127.0.0.1:7000", source: "registered", proxies: 1, healthy: 1, ejected: 1,
                  inFlight: 0),
        ])
    }
}
