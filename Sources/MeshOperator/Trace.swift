import ArgumentParser
import Foundation
import MeshTelemetry
import OperatorAPI
import OperatorCore

extension Meshctl {
    /// `meshctl trace ID`: every proxy hop of one request, from the access logs in the state folder, as a tree with
    /// start offsets and durations.
    struct Trace: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the hops of one request (by x-request-id or trace id) with their timings.",
            discussion: """
                Reads every sidecar's and the gateway's access log in the state folder (works whether or not the
                operator runs). Each hop is a span; a hop is drawn under the hop that sent it the request.
                """)

        @OptionGroup var state: StateOptions

        @Argument(help: "A request id (x-request-id) or a W3C trace id (32 hex digits).")
        var id: String

        @Flag(help: "Print the matching access-log lines as JSON instead.")
        var json = false

        func run() async throws {
            let directory = state.directory
            let entries = directory.accessLogEntries(mentioning: id)
            let traces = TraceTree.find(id, in: entries)
            guard !traces.isEmpty else {
                Console.err("error: no access-log line mentions \"\(id)\" in \(directory.logsDirectory)")
                throw ExitCode(1)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                for trace in traces {
                    func walk(_ node: TraceTree.Node) {
                        if let data = try? encoder.encode(node.entry) { Console.out(String(decoding: data, as: UTF8.self)) }
                        node.children.forEach(walk)
                    }
                    trace.roots.forEach(walk)
                }
                return
            }
            for (index, trace) in traces.enumerated() {
                if index > 0 { Console.out("") }
                for line in trace.render() { Console.out(line) }
            }
        }
    }
}
