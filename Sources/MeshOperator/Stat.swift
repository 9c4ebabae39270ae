import ArgumentParser
import DurationText
import Foundation
import MeshTelemetry
import OperatorAPI
import OperatorCore
import ProxyCommand

extension Meshctl {
    /// `meshctl stat [KIND/NAME] [--window 10s] [-o json]`: golden metrics per service and split backend over a
    /// window, from two scrapes of every proxy's counters that far apart.
    struct Stat: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Requests/s, success (effective: after retries; actual: per try), p50/p95/p99 latency, "
                + "retries/s and ejected endpoints per service and split backend, over a window.")

        @OptionGroup var state: StateOptions

        @Argument(help: "Only this object: service/NAME or split/NAME (default: every service).")
        var object: String?

        @Option(help: "How long to measure, e.g. 10s, 500ms.")
        var window = "10s"

        @Option(name: .shortAndLong, help: "Output format: table or json.")
        var output = "table"

        func validate() throws {
            _ = try Duration.flag("--window", window, atLeast: .milliseconds(1))
            guard ["table", "json"].contains(output) else { throw ValidationError("-o: expected table or json") }
            _ = try filter()
        }

        func filter() throws -> (kind: String, name: String)? {
            guard let object else { return nil }
            let parts = object.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[1].isEmpty else {
                throw ValidationError("expected KIND/NAME, e.g. service/web or split/web")
            }
            let kind = try ObjectKindName.kind(parts[0])
            guard kind == "Service" || kind == "TrafficSplit" else {
                throw ValidationError("stat shows services and splits, not \(kind)")
            }
            return (kind, parts[1])
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
            let only = try filter()
            if let only, !StatCommandSupport.exists(only, in: targets.topology) {
                Console.err("error: \(only.kind.lowercased()) \"\(only.name)\" not found")
                throw ExitCode(1)
            }
            let window = Duration.parse(window)!  // checked in validate()
            let start = await scraper.scrape(adminPorts: targets.adminPorts)
            try await Task.sleep(for: window)
            let end = await scraper.scrape(adminPorts: targets.adminPorts)
            let rows = targets.topology.rows(from: start, to: end, only: only)
            if output == "json" {
                Console.out(StatCommandSupport.json(rows, seconds: end.time - start.time))
            } else {
                Console.out(StatTable.render(rows))
            }
        }
    }
}

enum StatCommandSupport {
    static func exists(_ only: (kind: String, name: String), in topology: StatTopology) -> Bool {
        only.kind == "Service" ? topology.services.contains(only.name)
            : topology.splits.contains { $0.name == only.name }
    }

    static func json(_ rows: [StatRow], seconds: Double) -> String {
        struct Body: Encodable {
            var windowSeconds: Double
            var rows: [StatRow]
        }
        return prettyJSON(Body(windowSeconds: seconds, rows: rows))
    }

    /// Sorted keys, indented: what `stat -o json` and `edges -o json` print.
    static func prettyJSON(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
