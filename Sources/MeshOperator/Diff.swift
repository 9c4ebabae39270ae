import ArgumentParser
import Foundation
import OperatorAPI
import OperatorCore

extension Meshctl {
    /// `meshctl diff -f DIR`: what apply would change, changing nothing. Exit 0: no change; 1: changes; 2: error.
    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what apply would change (exit 0 none, 1 some, 2 error), changing nothing.")

        @OptionGroup var state: StateOptions

        @Option(name: .shortAndLong, help: "A manifest file or a directory (recursive); may repeat.")
        var filename: [String] = []

        @Flag(help: "Also show what --prune would delete.")
        var prune = false

        func validate() throws {
            if filename.isEmpty { throw ValidationError("give at least one -f PATH") }
        }

        func run() async throws {
            let request: ApplyRequest
            do {
                request = try ManifestFiles.request(paths: filename, prune: prune, dryRun: true)
            } catch {
                throw ExitCode(2)
            }
            let response = try await state.send("POST", "/v1/apply", body: Array(try JSONEncoder().encode(request)))
            let answer = ManifestFiles.decode(response.body)
            guard response.status == 200 else {
                answer.errors.forEach { Console.err($0) }
                throw ExitCode(2)
            }
            let changes = answer.outcomes.filter { $0.action != "unchanged" }
            for change in changes {
                let verb = change.action == "pruned" ? "would be deleted (prune)" : "would be \(change.action)"
                Console.out("\(change.kind.lowercased())/\(change.name) \(verb)")
            }
            if changes.isEmpty { Console.out("no changes") }
            throw ExitCode(changes.isEmpty ? 0 : 1)
        }
    }
}
