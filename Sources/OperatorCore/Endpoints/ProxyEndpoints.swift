import Foundation
import Manifests
import OperatorAPI
import Reconciler

/// `meshctl get endpoints` from the proxies' own word: every ready proxy's `/stats` (its endpoints with health,
/// ejection and in-flight requests), merged by service and address, each labelled with where it came from.
enum ProxyEndpoints {
    /// One proxy's `/stats`, the part read here (the proxy's `ProxyStats`).
    struct Stats: Decodable {
        struct Endpoint: Decodable {
            var service: String
            var address: String
            var inFlight: Int
            var ejected: Bool
            var healthy: Bool
        }
        var endpoints: [Endpoint]
    }

    /// Where an endpoint of a service came from: the operator's replicas (by their sidecar's inbound port), the
    /// manifest's static endpoints, or registrations.
    struct Sources {
        var replicas: [String: String] = [:]
        var statics: Set<String> = []
        var registered: Set<String> = []

        func label(service: String, address: String) -> (source: String, replica: String?) {
            let key = service + " " + address
            if registered.contains(key) { return ("registered", nil) }
            if statics.contains(key) { return ("static", nil) }
            if let replica = replicas[key] { return ("replica", replica) }
            return ("replica", nil)
        }
    }

    /// Merges the proxies' answers; the proxy-local services (`local:web`, a sidecar's own workload) are left out.
    static func merge(_ answers: [Stats], sources: Sources) -> EndpointsView {
        var rows: [String: EndpointsView.Endpoint] = [:]
        for answer in answers {
            for endpoint in answer.endpoints where !endpoint.service.hasPrefix("local:") {
                let key = endpoint.service + " " + endpoint.address
                let label = sources.label(service: endpoint.service, address: endpoint.address)
                var row = rows[key] ?? EndpointsView.Endpoint(
                    service: endpoint.service, address: endpoint.address, source: label.source, replica: label.replica,
                    proxies: 0, healthy: 0, ejected: 0, inFlight: 0)
                row.proxies += 1
                row.healthy += endpoint.healthy ? 1 : 0
                row.ejected += endpoint.ejected ? 1 : 0
                row.inFlight += endpoint.inFlight
                rows[key] = row
            }
        }
        let sorted = rows.values.sorted { ($0.service, $0.address) < ($1.service, $1.address) }
        return EndpointsView(proxies: answers.count, endpoints: sorted)
    }
}
