import ArgumentParser
import Foundation
import OperatorCore

extension Meshctl {
    /// `meshctl logs SERVICE [-f]`: the replicas' output, each line prefixed with its replica.
    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a service's replica output; -f follows.")

        @OptionGroup var state: StateOptions

        @Argument(help: "The service name.")
        var service: String

        @Flag(name: .shortAndLong, help: "Keep printing new lines until ^C.")
        var follow = false

        @Flag(help: "Also print the sidecars' output.")
        var sidecars = false

        func run() async throws {
            let directory = state.directory
            let prefixes = ["\(service)_workload_"] + (sidecars ? ["\(service)_sidecar_"] : [])
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.logsDirectory)) ?? [])
                .filter { name in prefixes.contains { name.hasPrefix($0) } }.sorted()
            guard !names.isEmpty else {
                Console.err("error: no logs for service \"\(service)\" in \(directory.logsDirectory)")
                throw ExitCode(1)
            }
            var offsets: [String: UInt64] = [:]
            repeat {
                for name in names {
                    let label = name.replacingOccurrences(of: ".log", with: "").replacingOccurrences(of: "_", with: "/")
                    let path = directory.logsDirectory + "/" + name
                    guard let handle = FileHandle(forReadingAtPath: path) else { continue }
                    defer { try? handle.close() }
                    try? handle.seek(toOffset: offsets[name] ?? 0)
                    let data = (try? handle.readToEnd()) ?? Data()
                    guard let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")) else { continue }
                    let complete = data[data.startIndex...lastNewline]
                    offsets[name] = (offsets[name] ?? 0) + UInt64(complete.count)
                    for line in String(decoding: complete, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
                        Console.out("[\(label)] \(line)")
                    }
                }
                if follow { try await Task.sleep(for: .milliseconds(250)) }
            } while follow
        }
    }
}
