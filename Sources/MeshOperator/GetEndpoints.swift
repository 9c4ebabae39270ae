import ArgumentParser
import Foundation
import OperatorAPI

/// `meshctl get endpoints [SERVICE]`: what the proxies actually hold (`GET /v1/endpoints`), one row per service and
/// endpoint: where it came from, how many proxies see it healthy, how many ejected it, requests in flight to it.
enum GetEndpoints {
    static func run(state: StateOptions, service: String?, output: String?) async throws {
        let response = try await state.send("GET", "/v1/endpoints")
        guard response.status == 200, var view = JSON.decode(EndpointsView.self, from: response.body) else {
            Console.err("error: " + String(decoding: response.body, as: UTF8.self))
            throw ExitCode(1)
        }
        if let service { view.endpoints = view.endpoints.filter { $0.service == service } }
        if output == "json" || output == "yaml" {
            Console.out(String(decoding: JSON.encode(view), as: UTF8.self))
            return
        }
        if view.endpoints.isEmpty {
            Console.err("no endpoints found (\(view.proxies) prox\(view.proxies == 1 ? "y" : "ies") asked)")
            return
        }
        var rows = [["SERVICE", "ENDPOINT", "SOURCE", "HEALTHY", "EJECTED", "IN-FLIGHT"]]
        for endpoint in view.endpoints {
            let source = endpoint.replica.map { "\(endpoint.source) \($0)" } ?? endpoint.source
            rows.append([endpoint.service, endpoint.address, source, "\(endpoint.healthy)/\(endpoint.proxies)",
                         "\(endpoint.ejected)", "\(endpoint.inFlight)"])
        }
        Console.out(TextTable.render(rows))
    }
}
