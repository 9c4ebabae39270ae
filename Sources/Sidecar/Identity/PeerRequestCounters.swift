import MeshIdentity
import Prometheus
import SidecarConfig

/// Requests answered on one inbound connection, by status class, labelled with who called: the caller's SPIFFE ID
/// (`peer`) and whether the connection is mTLS (`tls`). `meshctl edges` reads them (who calls whom, how often, how
/// well). Made on a connection's first request (its caller cannot change), so a request costs one atomic increment.
///
/// `mesh_inbound_requests_total{service="local:web",peer="spiffe://…/sa/frontend",tls="true",code="2xx"}`; a plaintext
/// caller is `peer="unauthenticated",tls="false"`. Labels stay bounded: one per calling service, not per replica.
final class PeerRequestCounters {
    private let byClass: [Counter]

    init(metrics: ProxyMetrics, service: String, peer: SpiffeID?) {
        let caller = peer?.uri ?? "unauthenticated"
        let tls = peer == nil ? "false" : "true"
        byClass = ["1xx", "2xx", "3xx", "4xx", "5xx"].map { code in
            metrics.registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    metricName: "mesh_inbound_requests", unitName: "total",
                    helpText: "Requests answered on inbound listeners, by caller identity (peer), mTLS or not (tls) and status class."),
                labels: [("service", service), ("peer", caller), ("tls", tls), ("code", code)])
        }
    }

    func count(status: Int) {
        let index = status / 100 - 1
        if index >= 0 && index < byClass.count { byClass[index].increment() }
    }
}

extension DownstreamHandler {
    /// Counts a finished request by its caller; only inbound connections of a proxy with an identity have a `peer`
    /// (elsewhere this is one nil check). A request the client abandoned is not counted.
    func countByPeer(status: Int, reason: String?) {
        guard let peer, reason != "aborted" else { return }
        if peer.requests == nil {
            let service = loop.routes.listeners[listenerName]?.service ?? listenerName
            peer.requests = PeerRequestCounters(metrics: loop.metrics, service: service, peer: peer.identity)
        }
        peer.requests?.count(status: status)
    }
}
