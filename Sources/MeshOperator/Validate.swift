import ArgumentParser
import Manifests

extension Meshctl {
    /// `meshctl validate -f PATH`: parse and check manifests like a compiler, every error at once.
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check manifests and report every problem.")

        @Option(name: .shortAndLong, help: "A manifest file or a directory (recursive); may repeat.")
        var filename: [String] = []

        func run() async throws {}
    }
}
