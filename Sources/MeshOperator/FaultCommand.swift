import ArgumentParser
import DurationText
import Foundation
import OperatorAPI

extension Meshctl {
    /// `meshctl fault inject|list|clear`: chaos sessions as FaultInjection objects (docs/traffic-management.md).
    struct FaultCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fault",
            abstract: "Inject delays and errors into a service's requests, for a while.",
            subcommands: [FaultInject.self, FaultList.self, FaultClear.self])
    }

    struct FaultInject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inject",
            abstract: "Apply a FaultInjection for service/NAME (expires by itself with --for).",
            discussion: "meshctl fault inject service/web --abort 503 --percent 10 --for 2m")

        @OptionGroup var state: StateOptions

        @Argument(help: "service/NAME: the service callers address.")
        var target: String

        @Option(help: "Answer this HTTP status (200-599) instead of sending the request on.")
        var abort: Int?

        @Option(help: "End gRPC calls with this status (0-16, e.g. 14 UNAVAILABLE) instead of sending them on.")
        var grpcStatus: Int?

        @Option(help: "Hold requests this long before sending them on (e.g. 200ms).")
        var delay: String?

        @Option(help: "Share of requests faulted, 0-100 (fractions allowed); applies to --abort and --delay.")
        var percent: Double = 100

        @Option(name: .customLong("for"), help: "Remove the fault after this long (e.g. 2m); without it, it stays until cleared.")
        var lifetime: String?

        @Option(help: "Only requests with this header: NAME=REGEX (repeatable).")
        var header: [String] = []

        @Option(help: "Only requests whose path matches this regular expression.")
        var path: String?

        @Option(help: "The FaultInjection's name (default: SERVICE-fault).")
        var name: String?

        func validate() throws {
            _ = try service()
            if abort == nil && delay == nil && grpcStatus == nil {
                throw ValidationError("give --abort STATUS, --grpc-status CODE, --delay DURATION, or both")
            }
            if abort != nil && grpcStatus != nil { throw ValidationError("give --abort or --grpc-status, not both") }
            if let grpcStatus, !(0...16).contains(grpcStatus) { throw ValidationError("--grpc-status: expected a code from 0 to 16") }
            if let abort, !(200...599).contains(abort) { throw ValidationError("--abort: expected a status from 200 to 599") }
            if !(0...100).contains(percent) { throw ValidationError("--percent: expected 0 to 100") }
            if let delay, Duration.parse(delay) == nil { throw ValidationError("--delay: expected a duration such as 200ms") }
            if let lifetime, Duration.parse(lifetime) == nil { throw ValidationError("--for: expected a duration such as 2m") }
            for entry in header where !entry.contains("=") { throw ValidationError("--header: expected NAME=REGEX") }
        }

        private func service() throws -> String {
            let parts = target.split(separator: "/", maxSplits: 1)
            guard parts.count == 2, ["service", "services", "svc"].contains(parts[0].lowercased()), !parts[1].isEmpty else {
                throw ValidationError("expected service/NAME, got \"\(target)\"")
            }
            return String(parts[1])
        }

        /// The manifest this command applies; `now` fixes `expiresAt`.
        func manifest(now: Date) throws -> String {
            let service = try service()
            var lines = [
                "apiVersion: mesh.meshctl.dev/v1alpha1", "kind: FaultInjection", "metadata:",
                "  name: \(name ?? "\(service)-fault")", "spec:", "  service: \(quote(service))",
            ]
            if !header.isEmpty || path != nil {
                lines.append("  match:")
                if let path { lines.append("    pathRegex: \(quote(path))") }
                if !header.isEmpty {
                    lines.append("    headers:")
                    for entry in header {
                        let pair = entry.split(separator: "=", maxSplits: 1)
                        lines.append("      \(quote(String(pair[0]))): \(quote(pair.count > 1 ? String(pair[1]) : ""))")
                    }
                }
            }
            if let delay { lines += ["  delay:", "    fixedDelay: \(delay)", "    percentage: \(percent)"] }
            if let abort { lines += ["  abort:", "    httpStatus: \(abort)", "    percentage: \(percent)"] }
            if let grpcStatus { lines += ["  abort:", "    grpcStatus: \(grpcStatus)", "    percentage: \(percent)"] }
            if let lifetime, let duration = Duration.parse(lifetime) {
                let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
                let expiresAt = now.addingTimeInterval(seconds.rounded(.up))
                lines.append("  expiresAt: \"\(expiresAt.formatted(Date.ISO8601FormatStyle()))\"")
            }
            return lines.joined(separator: "\n") + "\n"
        }

        private func quote(_ text: String) -> String {
            String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
        }

        func run() async throws {
            let request = ApplyRequest(files: [.init(name: "fault-inject", content: try manifest(now: Date()))], source: nil)
            let response = try await state.send("POST", "/v1/apply", body: Array(try JSONEncoder().encode(request)))
            let answer = ManifestFiles.decode(response.body)
            guard response.status == 200 else {
                answer.errors.forEach { Console.err($0) }
                Console.err("nothing applied")
                throw ExitCode(1)
            }
            for outcome in answer.outcomes {
                Console.out("\(outcome.kind.lowercased())/\(outcome.name) \(outcome.action)")
            }
        }
    }

    struct FaultList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The faults in force.")

        @OptionGroup var state: StateOptions

        func run() async throws {
            let items = try await FaultClear.faults(state)
            guard !items.isEmpty else {
                Console.err("no faults")
                return
            }
            var rows = [["NAME", "SERVICE", "DELAY", "ABORT", "MATCH", "EXPIRES"]]
            for item in items {
                let spec = item["spec"] as? [String: Any] ?? [:]
                let delay = (spec["delay"] as? [String: Any]).map { "\($0["fixedDelay"] ?? "") \($0["percentage"] ?? "")%" }
                let abort = (spec["abort"] as? [String: Any]).map { "\($0["httpStatus"].map { "\($0)" } ?? $0["grpcStatus"].map { "grpc \($0)" } ?? "") \($0["percentage"] ?? "")%" }
                let match = (spec["match"] as? [String: Any]).map { match in
                    ((match["pathRegex"] as? String).map { ["path \($0)"] } ?? [])
                        + ((match["headers"] as? [String: Any]) ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                }
                rows.append([
                    (item["metadata"] as? [String: Any])?["name"] as? String ?? "", spec["service"] as? String ?? "",
                    delay ?? "-", abort ?? "-", match?.joined(separator: ",") ?? "all", spec["expiresAt"] as? String ?? "never",
                ])
            }
            Console.out(TextTable.render(rows))
        }
    }

    struct FaultClear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clear", abstract: "Remove one fault by name, or every fault.")

        @OptionGroup var state: StateOptions

        @Argument(help: "The FaultInjection to remove; all when omitted.")
        var name: String?

        static func faults(_ state: StateOptions) async throws -> [[String: Any]] {
            let response = try await state.send("GET", "/v1/objects?kind=FaultInjection")
            guard response.status == 200,
                  let list = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                  let items = list["items"] as? [[String: Any]] else {
                Console.err("error: " + String(decoding: response.body, as: UTF8.self))
                throw ExitCode(1)
            }
            return items
        }

        func run() async throws {
            let names: [String]
            if let name {
                names = [name]
            } else {
                names = try await Self.faults(state).compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }
            }
            guard !names.isEmpty else {
                Console.err("no faults")
                return
            }
            let request = DeleteRequest(objects: names.map { .init(kind: "FaultInjection", name: $0) }, cascade: false)
            let response = try await state.send("POST", "/v1/delete", body: Array(try JSONEncoder().encode(request)))
            guard let answer = try? JSONDecoder().decode(DeleteResponse.self, from: Data(response.body)) else {
                Console.err("error: " + String(decoding: response.body, as: UTF8.self))
                throw ExitCode(1)
            }
            answer.errors.forEach { Console.err($0) }
            for object in answer.deleted { Console.out("faultinjection/\(object.name) deleted") }
            for object in answer.notFound { Console.err("error: faultinjection/\(object.name) not found") }
            if !answer.errors.isEmpty || !answer.notFound.isEmpty { throw ExitCode(1) }
        }
    }
}
