import Prometheus

/// A service's tunnel series: WebSocket (and other HTTP/1.1 upgrade) tunnels and opaque TCP connections. Made
/// when a tunnel opens (the registry hands back the same series for the same labels), so a proxy that never
/// tunnels lists none.
final class TunnelMetrics: Sendable {
    let opened: Counter
    let open: Gauge
    /// Client to endpoint, and endpoint to client.
    let bytesUp: Counter
    let bytesDown: Counter

    /// `kind`: `upgrade` (after a 101) or `tcp` (an `appProtocol: tcp` service).
    init(registry: PrometheusCollectorRegistry, service: String, kind: String) {
        let labels = [("service", service), ("kind", kind)]
        opened = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "mesh_tunnels", unitName: "total",
                helpText: "Tunnels opened: HTTP/1.1 upgrades answered 101 (kind upgrade), opaque TCP connections (kind tcp)."),
            labels: labels)
        open = registry.makeGauge(
            descriptor: MetricNameDescriptor(metricName: "mesh_tunnels_open", unitName: "", helpText: "Tunnels open now."),
            labels: labels)
        let bytes = MetricNameDescriptor(
            metricName: "mesh_tunnel_bytes", unitName: "total",
            helpText: "Bytes carried through tunnels, by direction (up: client to endpoint).")
        bytesUp = registry.makeCounter(descriptor: bytes, labels: labels + [("direction", "up")])
        bytesDown = registry.makeCounter(descriptor: bytes, labels: labels + [("direction", "down")])
    }
}
