import ArgumentParser
import Foundation
import OperatorAPI
import OperatorCore

extension Meshctl {
    /// `meshctl dashboard [--scrape-config]`: where the running operator serves its dashboard and `/metrics`, or
    /// Prometheus file_sd targets for the operator and every proxy.
    struct Dashboard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the address of the operator's dashboard (and /metrics) on 127.0.0.1.",
            discussion: "With --scrape-config: Prometheus file_sd targets for the operator and every proxy's admin "
                + "/metrics (write them to a file that a file_sd_configs entry watches; see docs/dashboard.md).")

        @OptionGroup var state: StateOptions

        @Flag(help: "Print Prometheus file_sd targets (JSON) instead of the address.")
        var scrapeConfig = false

        func run() async throws {
            let response = try await state.send("GET", "/v1/status")
            guard let address = state.directory.recordedHTTPAddress(), !address.isEmpty else {
                Console.err("error: the operator serves no HTTP listener; restart it with "
                    + "`meshctl up --http 127.0.0.1:0` (or a fixed port)")
                throw ExitCode(1)
            }
            guard scrapeConfig else {
                Console.out("http://\(address)/")
                return
            }
            guard response.status == 200,
                  let snapshot = try? JSONDecoder().decode(StatusSnapshot.self, from: Data(response.body)) else {
                Console.err("error: the operator answered \(response.status) to GET /v1/status")
                throw ExitCode(2)
            }
            Console.out(ScrapeTargets.fileSD(operatorAddress: address, processes: snapshot.processes))
        }
    }
}

/// Prometheus file_sd groups: the operator, then one group per proxy labelled with what it fronts. Proxies come and
/// go with rollouts and restarts (new admin ports): regenerate the file, Prometheus re-reads it on change.
enum ScrapeTargets {
    static func fileSD(operatorAddress: String, processes: [ProcessView]) -> String {
        var groups: [[String: Any]] = [
            ["targets": [operatorAddress], "labels": ["job": "meshctl-operator"]]
        ]
        for process in processes where process.role != "workload" && !process.state.hasPrefix("exited") {
            guard let admin = process.ports["admin"] else { continue }
            groups.append([
                "targets": ["127.0.0.1:\(admin)"],
                "labels": ["job": "meshctl-proxy", "mesh_role": process.role, "mesh_service": process.service,
                           "mesh_replica": String(process.replica)],
            ])
        }
        let data = (try? JSONSerialization.data(withJSONObject: groups, options: [.prettyPrinted, .sortedKeys]))
            ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
