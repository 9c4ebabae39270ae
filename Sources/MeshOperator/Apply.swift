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

        @Option(name: .customLong("resource-version"), help: ArgumentHelp(
            "KIND/NAME=RV: apply only if the object is still at this resourceVersion (as `meshctl get -o json` "
                + "showed it; 0: it must not exist yet), else change nothing and exit 1. May repeat.",
            valueName: "kind/name=rv"))
        var resourceVersions: [String] = []

        func validate() throws {
            if filename.isEmpty { throw ValidationError("give at least one -f PATH") }
            _ = try preconditions()
        }

        /// `svc/web=12` -> ["Service/web": 12]; kinds as `get` accepts them.
        private func preconditions() throws -> [String: Int64]? {
            guard !resourceVersions.isEmpty else { return nil }
            var result: [String: Int64] = [:]
            for text in resourceVersions {
                let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
                let object = parts.first?.split(separator: "/", maxSplits: 1).map(String.init) ?? []
                guard parts.count == 2, object.count == 2, let version = Int64(parts[1]), version >= 0 else {
                    throw ValidationError("--resource-version \(text): expected KIND/NAME=RV, as service/web=12")
                }
                result["\(try ObjectKindName.kind(object[0]))/\(object[1])"] = version
            }
            return result
        }

        func run() async throws {
            var request = try ManifestFiles.request(paths: filename, prune: prune, dryRun: false)
            request.resourceVersions = try preconditions()
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
