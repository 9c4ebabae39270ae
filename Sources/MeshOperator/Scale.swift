import ArgumentParser
import Foundation
import OperatorAPI

extension Meshctl {
    /// `meshctl scale service/NAME --replicas N`: a stored change of `spec.replicas`, checked as an apply is; the
    /// operator then starts replicas, or takes removed ones out of every proxy before stopping them.
    struct Scale: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set how many replicas a Service runs (stored, like an apply of its manifest with that change).")

        @OptionGroup var state: StateOptions

        @Argument(help: "service/NAME (or NAME)")
        var target: String

        @Option(help: "How many replicas to run (0 to 64).")
        var replicas: Int

        func run() async throws {
            let name = try ServiceTarget.name(target)
            let body = JSON.encode(ScaleRequest(service: name, replicas: replicas))
            let response = try await state.send("POST", "/v1/scale", body: body)
            guard let answer = JSON.decode(ApplyResponse.self, from: response.body) else {
                Console.err("error: " + String(decoding: response.body, as: UTF8.self))
                throw ExitCode(1)
            }
            guard response.status == 200, answer.errors.isEmpty else {
                answer.errors.forEach { Console.err($0.contains("error:") ? $0 : "error: \($0)") }
                Console.err("nothing changed")
                throw ExitCode(1)
            }
            let unchanged = answer.outcomes.allSatisfy { $0.action == "unchanged" }
            Console.out("service/\(name) \(unchanged ? "already has" : "scaled to") \(replicas) replica\(replicas == 1 ? "" : "s")")
        }
    }
}
