import ArgumentParser
import DurationText
import Foundation
import MeshTelemetry
import OperatorAPI
import OperatorCore

extension Meshctl {
    /// `meshctl logs SERVICE`: the replicas' output and their sidecars' access logs, merged in time order, each line
    /// prefixed with its source.
    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a service's replica output and sidecar access logs in time order; -f follows.",
            discussion: """
                Each line is prefixed with its source: [web/workload/0] for a replica's output, [web/sidecar/0 access]
                for its sidecar's access log (one JSON line per request, docs/sidecar.md). Access-log lines are
                ordered by their ts; replica output lines by a leading RFC 3339 timestamp when they have one, else
                they keep their place after the line before them in their file (docs/observability.md).
                """)

        @OptionGroup var state: StateOptions

        @Argument(help: "The service name.")
        var service: String

        @Flag(name: .shortAndLong, help: "Keep printing new lines until ^C.")
        var follow = false

        @Option(help: "Only lines from this long ago (5m, 1h) or since this RFC 3339 time.")
        var since: String?

        @Option(help: "Only lines matching this regular expression.")
        var grep: String?

        @Flag(inversion: .prefixedNo, help: "Include the sidecars' access logs.")
        var access = true

        @Flag(help: "Also print the sidecars' own output.")
        var sidecars = false

        func validate() throws {
            if let since, Self.sinceTime(since, now: 0) == nil {
                throw ValidationError("--since: expected a duration (5m, 1h30m) or an RFC 3339 time, got \"\(since)\"")
            }
            if let grep, (try? Regex(grep)) == nil { throw ValidationError("--grep: not a valid regular expression") }
        }

        /// Unix seconds of `--since`, relative to `now` for a duration.
        static func sinceTime(_ text: String, now: Double) -> Double? {
            if let duration = Duration.parse(text) {
                let (seconds, attoseconds) = duration.components
                return now - Double(seconds) - Double(attoseconds) / 1e18
            }
            return RFC3339.parse(text)
        }

        func run() async throws {
            let directory = state.directory
            let sources = directory.logSources(service: service, access: access, sidecars: sidecars)
            guard !sources.isEmpty else {
                Console.err("error: no logs for service \"\(service)\" in \(directory.logsDirectory)")
                throw ExitCode(1)
            }
            let sinceTime = since.flatMap { Self.sinceTime($0, now: Date().timeIntervalSince1970) }
            let pattern = grep.flatMap { try? Regex($0) }
            let cursors = sources.map { LogFileCursor(path: $0.path) }
            // Rotated generations first, oldest first (docs/observability.md, "Bounded growth"), then the live file.
            let first = zip(sources, cursors).map { source, cursor in
                let older = source.olderPaths.flatMap { LogFileCursor(path: $0).readAllLines() }
                let oldest = source.olderPaths.first.map { LogFileCursor(path: $0) } ?? cursor
                return LogMerge.timed(source: source.label, lines: older + cursor.readAllLines(),
                                      fallback: oldest.modificationTime)
            }
            for line in LogMerge.filter(LogMerge.merge(first), since: sinceTime, grep: pattern) {
                Console.out(line.prefixed)
            }
            // Following: what each poll finds is merged and printed; untimed lines take the time they were read.
            while follow {
                try await Task.sleep(for: .milliseconds(250))
                let now = Date().timeIntervalSince1970
                let batch = zip(sources, cursors).map { source, cursor in
                    LogMerge.timed(source: source.label, lines: cursor.readLines(), fallback: now)
                }
                for line in LogMerge.filter(LogMerge.merge(batch), since: nil, grep: pattern) {
                    Console.out(line.prefixed)
                }
            }
        }
    }
}
