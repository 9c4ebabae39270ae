import ArgumentParser
import Foundation
import KubernetesBridge
import Manifests

extension Meshctl {
    /// `meshctl export --kubernetes -f PATH…`: the manifests as Kubernetes objects for a mesh and a rollout controller.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the manifests as Kubernetes objects (docs/kubernetes.md).",
            discussion: """
                Each Service with a command becomes a Deployment (its image from --image-map) and a Service; splits \
                become Gateway API HTTPRoutes (or SMI TrafficSplits), retry policies and outlier detection the mesh's \
                own objects, rollouts a Flagger Canary or an Argo Rollout. Every field that does not map is a \
                warning on stderr at its file:line:column. Writes one file per meshctl object into -o DIR, or \
                everything to stdout. Exits 1, writing nothing, on any error.
                """
        )

        @Flag(help: "Export to Kubernetes (the only target).")
        var kubernetes = false

        @Option(name: .shortAndLong, help: "A manifest file or a directory (recursive); may repeat.")
        var filename: [String] = []

        @Option(help: "The mesh that enforces traffic policy: linkerd or istio.")
        var mesh: ExportOptions.Mesh = .linkerd

        @Option(help: "The progressive-delivery controller: flagger or argo.")
        var rollouts: ExportOptions.RolloutController = .flagger

        @Option(help: "How splits are written: gateway (Gateway API HTTPRoute) or smi (SMI TrafficSplit).")
        var split: ExportOptions.SplitAPI = .gateway

        @Option(help: "The namespace written into every object (default: each object's own, or none).")
        var namespace: String?

        @Option(name: .customLong("image-map"), help: "A YAML mapping of Service name to container image.")
        var imageMap: String?

        @Option(name: .shortAndLong, help: "A directory to write one file per meshctl object into.")
        var output: String?

        func validate() throws {
            if !kubernetes { throw ValidationError("give --kubernetes (the only export target)") }
            if filename.isEmpty { throw ValidationError("give at least one manifest file or directory with -f PATH") }
        }

        func run() async throws {
            let report = ManifestSet.load(paths: filename)
            var diagnostics = report.diagnostics
            var images = ImageMap()
            if let imageMap {
                if let data = FileManager.default.contents(atPath: imageMap) {
                    let loaded = ImageMap.load(bytes: [UInt8](data), file: imageMap)
                    images = loaded.map
                    diagnostics += loaded.diagnostics
                } else {
                    diagnostics.append(Diagnostic(file: imageMap, mark: Mark(line: 1, column: 1), message: "cannot read file"))
                }
            }
            guard diagnostics.allSatisfy({ $0.severity != .error }) else {
                diagnostics.sorted().forEach { Console.err($0.description) }
                throw ExitCode(1)
            }
            let options = ExportOptions(mesh: mesh, rollouts: rollouts, split: split, namespace: namespace, images: images)
            let export = KubernetesExporter.export(report.objects, options: options)
            (diagnostics + export.diagnostics).sorted().forEach { Console.err($0.description) }
            guard export.errors.isEmpty else { throw ExitCode(1) }
            if let output {
                try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
                for file in export.files {
                    try Data(file.text.utf8).write(to: URL(fileURLWithPath: output).appendingPathComponent(file.name))
                }
                Console.err("\(export.objects.count) Kubernetes objects written to \(output) (\(export.files.count) files, \(export.warnings.count) warnings)")
            } else {
                Console.out(export.yaml, terminator: "")
            }
        }
    }
}

extension ExportOptions.Mesh: ExpressibleByArgument {}
extension ExportOptions.RolloutController: ExpressibleByArgument {}
extension ExportOptions.SplitAPI: ExpressibleByArgument {}
