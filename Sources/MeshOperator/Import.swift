import ArgumentParser
import Foundation
import KubernetesBridge
import Manifests

extension Meshctl {
    /// `meshctl import -f K8S_DIR`: Kubernetes objects (those `export --kubernetes` writes) back into meshctl manifests.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read Kubernetes objects back into meshctl manifests (docs/kubernetes.md).",
            discussion: """
                Reads Deployments, Services, EndpointSlices, HTTPRoutes, SMI TrafficSplits and HTTPRouteGroups, \
                Istio VirtualServices and DestinationRules, Linkerd ServiceProfiles, Flagger Canaries and Argo \
                Rollouts with their AnalysisTemplates. Objects with no meshctl counterpart are warnings. Writes one \
                file per object into -o DIR, or everything to stdout; exits 1 on any error.
                """
        )

        @Option(name: .shortAndLong, help: "A Kubernetes manifest file or directory (recursive); may repeat.")
        var filename: [String] = []

        @Option(name: .shortAndLong, help: "A directory to write one meshctl manifest per object into.")
        var output: String?

        func validate() throws {
            if filename.isEmpty { throw ValidationError("give at least one file or directory with -f PATH") }
        }

        func run() async throws {
            var diagnostics: [Diagnostic] = []
            var sources: [ManifestSet.Source] = []
            for path in filename {
                for file in ManifestSet.files(at: path, diagnostics: &diagnostics) {
                    guard let data = FileManager.default.contents(atPath: file) else {
                        diagnostics.append(Diagnostic(file: file, mark: Mark(line: 1, column: 1), message: "cannot read file"))
                        continue
                    }
                    sources.append(ManifestSet.Source(file: file, bytes: [UInt8](data)))
                }
            }
            let result = KubernetesImporter.importObjects(sources)
            (diagnostics + result.diagnostics).sorted().forEach { Console.err($0.description) }
            guard diagnostics.isEmpty, result.errors.isEmpty else { throw ExitCode(1) }
            if let output {
                try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
                for file in result.files {
                    try Data(file.text.utf8).write(to: URL(fileURLWithPath: output).appendingPathComponent(file.name))
                }
                Console.err("\(result.objects.count) meshctl objects written to \(output)")
            } else {
                Console.out(result.yaml, terminator: "")
            }
        }
    }
}
