import ArgumentParser
import Foundation
import OperatorAPI
import OperatorCore

extension Meshctl {
    /// `meshctl apply -f DIR`: validate everything, store everything in one transaction, or nothing.
    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply manifests: all are validated, then stored atomically; one bad document rejects all.")

        @OptionGroup var state: StateOptions

        @Option(name: .shortAndLong, help: "A manifest file or a directory (recursive); may repeat.")
        var filename: [String] = []

        @Flag(help: "Delete objects an earlier apply of the same paths created and that are no longer there.")
        var prune = false

        func validate() throws {
            if filename.isEmpty { throw ValidationError("give at least one -f PATH") }
        }

        func run() async throws {
            let request = try ManifestFiles.request(paths: filename, prune: prune, dryRun: false)
            let response = try await state.send("POST", "/v1/apply", body: Array(try JSONEncoder().encode(request)))
            let answer = ManifestFiles.decode(response.body)
            guard response.status == 200 else {
                answer.errors.forEach { Console.err($0) }
                Console.err(answer.summary.isEmpty ? "nothing applied" : answer.summary + "; nothing applied")
                throw ExitCode(1)
            }
            for outcome in answer.outcomes {
                Console.out("\(outcome.kind.lowercased())/\(outcome.name) \(outcome.action)")
            }
        }
    }
}
