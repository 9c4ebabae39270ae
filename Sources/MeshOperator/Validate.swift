import ArgumentParser
import Foundation
import Manifests

extension Meshctl {
    /// `meshctl validate -f PATH`: parse and check manifests like a compiler, every error at once.
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check manifests and report every problem.",
            discussion: """
                Reads every *.yaml and *.yml file under each PATH (directories recursively) as one apply set, \
                prints each problem as file:line:column: error: field.path: message, then a summary. \
                Exits 0 when everything is valid, 1 otherwise.
                """
        )

        enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
            case yaml
            case json
        }

        @Option(name: .shortAndLong, help: "A manifest file or a directory (recursive); may repeat.")
        var filename: [String] = []

        @Option(name: .shortAndLong, help: "Print the parsed objects in canonical form (yaml or json).")
        var output: OutputFormat?

        func validate() throws {
            if filename.isEmpty {
                throw ValidationError("give at least one manifest file or directory with -f PATH")
            }
        }

        func run() async throws {
            let report = ManifestSet.load(paths: filename)
            var errorText = ""
            for diagnostic in report.diagnostics {
                errorText += diagnostic.description + "\n"
            }
            errorText += report.summary + "\n"
            FileHandle.standardError.write(Data(errorText.utf8))
            guard report.isValid else { throw ExitCode(1) }
            // Services first, then what refers to them; file order within a kind.
            let objects = report.objects.enumerated()
                .sorted { ($0.element.object.kind, $0.offset) < ($1.element.object.kind, $1.offset) }
                .map(\.element.object)
            switch output {
            case .yaml: FileHandle.standardOutput.write(Data(ManifestEncoder.yaml(objects).utf8))
            case .json: FileHandle.standardOutput.write(Data(ManifestEncoder.json(objects).utf8))
            case nil: break
            }
        }
    }
}
