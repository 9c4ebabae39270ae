import ArgumentParser
import DurationText
import Foundation
import MeshTelemetry
import OperatorAPI
import OperatorCore
import ProxyCommand

extension Meshctl {
    /// `meshctl top [--interval 2s] [--iterations N]`: the busiest services and split backends, busiest first,
    /// measured afresh every interval. Redrawn in place on a terminal; one line per row and interval when piped.
    struct Top: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Live view of the busiest services and split backends; ^C stops it.")

        @OptionGroup var state: StateOptions

        @Option(help: "How often to measure and redraw, e.g. 2s.")
        var interval = "2s"

        @Option(help: "Stop after this many views (default: until ^C).")
        var iterations: Int?

        @Option(help: "Rows to show.")
        var limit = 20

        func validate() throws {
            _ = try Duration.flag("--interval", interval, atLeast: .milliseconds(100))
            if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1") }
            guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        }

        func run() async throws {
            let scraper = MeshScraper(operatorClient: state.client)
            let terminal = isatty(STDOUT_FILENO) == 1
            let pause = Duration.parse(interval)!  // checked in validate()
            var targets = try await Self.targets(scraper)
            var previous = await scraper.scrape(adminPorts: targets.adminPorts)
            var shown = 0
            while iterations.map({ shown < $0 }) ?? true {
                try await Task.sleep(for: pause)
                let current = await scraper.scrape(adminPorts: targets.adminPorts)
                let rows = TopView.busiest(targets.topology.rows(from: previous, to: current), limit: limit)
                if terminal {
                    Console.out("\u{1B}[H\u{1B}[2J" + TopView.screen(rows, interval: interval), terminator: "\n")
                } else {
                    TopView.lines(rows, time: Date()).forEach { Console.out($0) }
                }
                previous = current
                shown += 1
                // New services and restarted proxies (new admin ports) join the next view.
                if let fresh = try? await scraper.targets(), fresh != targets {
                    targets = fresh
                    previous = await scraper.scrape(adminPorts: targets.adminPorts)
                }
            }
        }

        private static func targets(_ scraper: MeshScraper) async throws -> MeshScraper.Targets {
            do {
                return try await scraper.targets()
            } catch {
                Console.err("error: \(error)")
                throw ExitCode(2)
            }
        }
    }
}

/// What `meshctl top` shows: rows with traffic, busiest first.
enum TopView {
    static func busiest(_ rows: [StatRow], limit: Int) -> [StatRow] {
        Array(rows.filter { $0.metrics.requests > 0 }
            .sorted { ($0.metrics.requestsPerSecond, $1.name) > ($1.metrics.requestsPerSecond, $0.name) }
            .prefix(limit))
    }

    static func screen(_ rows: [StatRow], interval: String) -> String {
        let title = "meshctl top — every \(interval), busiest first (^C to stop)\n\n"
        return title + (rows.isEmpty ? "no traffic" : StatTable.render(rows.map(flat)))
    }

    /// One line per row, stable `key=value` fields a script can split.
    static func lines(_ rows: [StatRow], time: Date) -> [String] {
        let stamp = time.formatted(.iso8601)
        guard !rows.isEmpty else { return ["\(stamp) no traffic"] }
        return rows.map { row in
            let cells = StatTable.cells(flat(row))
            return "\(stamp) \(cells[0]) rps=\(cells[1]) effective=\(cells[2]) actual=\(cells[3]) p50=\(cells[4]) "
                + "p95=\(cells[5]) p99=\(cells[6]) retries=\(cells[7]) ejected=\(cells[8])"
        }
    }

    /// A backend out of its split's nesting: named `ROOT→BACKEND`, since rows are sorted by traffic, not grouped.
    private static func flat(_ row: StatRow) -> StatRow {
        guard let parent = row.parent else { return row }
        var copy = row
        copy.name = "\(parent)→\(row.name)"
        copy.parent = nil
        return copy
    }
}
