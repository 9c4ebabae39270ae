import ArgumentParser
import Foundation
import Manifests
import OperatorAPI
import OperatorCore

extension Meshctl {
    /// `meshctl delete -f DIR` or `meshctl delete KIND NAME`.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete objects named by files, or one by kind and name.")

        @OptionGroup var state: StateOptions

        @Option(name: .shortAndLong, help: "Delete the objects these manifests define; may repeat.")
        var filename: [String] = []

        @Argument(help: "KIND NAME, e.g. service web")
        var target: [String] = []

        func validate() throws {
            if filename.isEmpty == (target.count != 2) {
                throw ValidationError("give -f PATH, or KIND NAME")
            }
        }

        func run() async throws {
            var keys: [(String, String)] = []
            if target.count == 2 {
                keys = [(try ObjectKindName.kind(target[0]), target[1])]
            } else {
                let report = ManifestSet.load(paths: filename)
                guard report.isValid else {
                    report.diagnostics.forEach { Console.err($0.description) }
                    throw ExitCode(1)
                }
                keys = report.objects.map { ($0.object.kind.rawValue, $0.object.name) }
            }
            var failed = false
            for (kind, name) in keys {
                let query = "kind=\(kind)&name=\(name)"
                let response = try await state.send("DELETE", "/v1/objects?" + query)
                if response.status == 200 {
                    Console.out("\(kind.lowercased())/\(name) deleted")
                } else {
                    Console.err("error: \(kind.lowercased())/\(name) not found")
                    failed = true
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}
