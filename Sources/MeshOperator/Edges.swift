import ArgumentParser
import DurationText
import Foundation
import MeshTelemetry
import ProxyCommand

extension Meshctl {
    /// `meshctl edges [--window 5s] [-o json]`: who calls whom, as the callees' sidecars saw it (docs/identity.md, "Edges").
    struct Edges: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Who calls whom: requests/s, success and whether the edge is mTLS, from the callees' sidecars.")

        @OptionGroup var state: StateOptions

        @Option(help: "How long to measure, e.g. 5s, 500ms.")
        var window = "5s"

        @Option(name: .shortAndLong, help: "Output format: table or json.")
        var output = "table"

        func validate() throws {
            _ = try Duration.flag("--window", window, atLeast: .milliseconds(1))
            guard ["table", "json"].contains(output) else { throw ValidationError("-o: expected table or json") }
        }

        func run() async throws {
            let scraper = MeshScraper(operatorClient: state.client)
            let targets: MeshScraper.Targets
            do {
                targets = try await scraper.targets()
            } catch {
                Console.err("error: \(error)")
                throw ExitCode(2)
            }
            let start = await scraper.scrapeEdges(adminPorts: targets.adminPorts)
            try await Task.sleep(for: Duration.parse(window)!)  // checked in validate()
            let end = await scraper.scrapeEdges(adminPorts: targets.adminPorts)
            let rows = MeshEdges.rows(from: start, to: end)
            if output == "json" {
                // Always a document, empty or not, so a script can parse what it gets.
                Console.out(Self.json(rows, seconds: end.time - start.time))
                return
            }
            guard !rows.isEmpty else {
                Console.err("no calls between mesh proxies seen yet")
                return
            }
            var table = [["FROM", "TO", "RPS", "SUCCESS", "MTLS"]]
            for row in rows {
                table.append([row.from, row.to, String(format: "%.1f", row.requestsPerSecond),
                              row.success.map { String(format: "%.2f%%", $0 * 100) } ?? "-", row.mtls ? "yes" : "no"])
            }
            Console.out(TextTable.render(table))
        }

        /// `{"windowSeconds": …, "edges": [{"from", "to", "mtls", "requestsPerSecond", "success"}…]}`; `success` is
        /// absent for an edge with no request in the window.
        static func json(_ rows: [MeshEdges.Row], seconds: Double) -> String {
            struct Body: Encodable {
                var windowSeconds: Double
                var edges: [MeshEdges.Row]
            }
            return StatCommandSupport.prettyJSON(Body(windowSeconds: seconds, edges: rows))
        }
    }
}
