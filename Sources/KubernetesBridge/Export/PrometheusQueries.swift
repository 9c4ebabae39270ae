import Foundation

/// The success rate (percent of non-5xx responses) and latency (milliseconds at a percentile) of one Service, as
/// each mesh's Prometheus metrics give them: what meshctl's analysis reads from its own sidecars.
struct PrometheusQueries {
    let mesh: ExportOptions.Mesh
    let namespace: String
    let service: String
    let window: String

    /// The Prometheus each mesh's observability add-on installs.
    var address: String {
        switch mesh {
        case .linkerd: "http://prometheus.linkerd-viz.svc.cluster.local:9090"
        case .istio: "http://prometheus.istio-system.svc.cluster.local:9090"
        }
    }

    private var selector: String {
        switch mesh {
        case .linkerd: "direction=\"outbound\",dst_namespace=\"\(namespace)\",dst_service=\"\(service)\""
        case .istio: "reporter=\"destination\",destination_service_namespace=\"\(namespace)\",destination_service_name=\"\(service)\""
        }
    }

    var successRate: String {
        switch mesh {
        case .linkerd:
            "100 * sum(rate(response_total{\(selector),classification!=\"failure\"}[\(window)])) / sum(rate(response_total{\(selector)}[\(window)]))"
        case .istio:
            "100 * sum(rate(istio_requests_total{\(selector),response_code!~\"5.*\"}[\(window)])) / sum(rate(istio_requests_total{\(selector)}[\(window)]))"
        }
    }

    func latency(percentile: Double) -> String {
        let bucket = mesh == .linkerd ? "response_latency_ms_bucket" : "istio_request_duration_milliseconds_bucket"
        let quantile = ((Decimal(string: String(percentile)) ?? 99) / 100).description
        return "histogram_quantile(\(quantile), sum(rate(\(bucket){\(selector)}[\(window)])) by (le))"
    }

    /// The percentile a latency query was written for (`histogram_quantile(0.99, …` → 99).
    static func percentile(of query: String) -> Double? {
        guard let open = query.range(of: "histogram_quantile("),
              let comma = query[open.upperBound...].firstIndex(of: ","),
              let quantile = Decimal(string: String(query[open.upperBound..<comma]))
        else { return nil }
        return NSDecimalNumber(decimal: quantile * 100).doubleValue
    }
}
