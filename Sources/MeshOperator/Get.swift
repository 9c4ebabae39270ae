import ArgumentParser
import Foundation
import Manifests
import OperatorAPI
import OperatorCore

extension Meshctl {
    /// `meshctl get KIND [NAME] [-o wide|yaml|json]`, as kubectl get.
    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List objects: services, splits, retrypolicies, rollouts, httproutegroups, endpoints.")

        @OptionGroup var state: StateOptions

        @Argument(help: "services | splits | retrypolicies | rollouts | httproutegroups | endpoints")
        var kind: String

        @Argument(help: "One object's name.")
        var name: String?

        @Option(name: .shortAndLong, help: "wide, yaml or json.")
        var output: String?

        func validate() throws {
            if kind.lowercased() != "endpoints" && kind.lowercased() != "ep" { _ = try ObjectKindName.kind(kind) }
            if let output, !["wide", "yaml", "json"].contains(output) {
                throw ValidationError("-o: expected wide, yaml or json")
            }
        }

        func run() async throws {
            if ["endpoints", "ep"].contains(kind.lowercased()) {
                try await GetEndpoints.run(state: state, service: name, output: output)
                return
            }
            var target = "/v1/objects?kind=" + (try ObjectKindName.kind(kind))
            if let name { target += "&name=" + name }
            let response = try await state.send("GET", target)
            guard response.status == 200,
                  let list = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                  let items = list["items"] as? [[String: Any]] else {
                Console.err("error: " + String(decoding: response.body, as: UTF8.self))
                throw ExitCode(1)
            }
            switch output {
            case "json":
                let value: Any = name != nil && items.count == 1 ? items[0] : list
                Console.out(ManifestEncoder.json(JSONToCanonical.convert(value)), terminator: "")
            case "yaml":
                let value: Any = name != nil && items.count == 1 ? items[0] : list
                Console.out(ManifestEncoder.yaml(JSONToCanonical.convert(value)), terminator: "")
            default:
                if items.isEmpty {
                    Console.err("no \(kind) found")
                    return
                }
                Console.out(TextTable.render(rows(items, wide: output == "wide")))
            }
        }

        private func rows(_ items: [[String: Any]], wide: Bool) -> [[String]] {
            let isService = (items.first?["kind"] as? String) == "Service"
            var header = ["NAME", "READY", "STATUS", "AGE"]
            if isService { header.insert("PORT", at: 1) }
            if wide { header.append("MESSAGE") }
            var rows = [header]
            for item in items {
                let metadata = item["metadata"] as? [String: Any] ?? [:]
                let spec = item["spec"] as? [String: Any] ?? [:]
                let status = item["status"] as? [String: Any] ?? [:]
                let conditions = status["conditions"] as? [[String: Any]] ?? []
                let readyCondition = conditions.first { $0["type"] as? String == "Ready" }
                var ready = readyCondition?["status"] as? String ?? "Unknown"
                if let replicas = status["replicas"] as? Int, let readyReplicas = status["readyReplicas"] as? Int {
                    ready = "\(readyReplicas)/\(replicas)"
                }
                var row = [metadata["name"] as? String ?? "", ready, readyCondition?["reason"] as? String ?? "Pending",
                           Age.since(metadata["creationTimestamp"] as? String)]
                if isService { row.insert(String(describing: spec["port"] ?? ""), at: 1) }
                if wide { row.append(readyCondition?["message"] as? String ?? "") }
                rows.append(row)
            }
            return rows
        }
    }
}

/// kubectl-style ages: 42s, 5m, 3h, 2d.
enum Age {
    static func since(_ timestamp: String?) -> String {
        guard let timestamp, let date = try? Date(timestamp, strategy: .iso8601) else { return "-" }
        let seconds = max(0, Int(Date().timeIntervalSince(date)))
        if seconds < 120 { return "\(seconds)s" }
        if seconds < 7200 { return "\(seconds / 60)m" }
        if seconds < 172_800 { return "\(seconds / 3600)h" }
        return "\(seconds / 86400)d"
    }
}
