import Manifests

/// Kubernetes objects (those `KubernetesExporter` writes) → meshctl manifests. Objects with no meshctl counterpart
/// are reported as warnings; what is produced goes through meshctl's own decoder and checks.
public enum KubernetesImporter {
    public static func importObjects(_ sources: [ManifestSet.Source]) -> KubernetesImport {
        var documents: [KubernetesDocument] = []
        var diagnostics: [Diagnostic] = []
        let loader = YAMLLoader()
        for source in sources {
            let result = loader.load(source.bytes, file: source.file)
            diagnostics += result.diagnostics
            for document in result.documents {
                guard let root = document.root else { continue }
                let value = root.canonicalValue
                let items = value["kind"]?.stringValue == "List" ? value["items"]?.listValue ?? [] : [value]
                documents += items.map { KubernetesDocument(file: source.file, mark: root.mark, value: $0) }
            }
        }
        var context = ImportContext(documents: documents)
        context.readAll()
        diagnostics += context.diagnostics
        // The produced manifests go through meshctl's decoder and each kind's checks; references between objects
        // are left to validate and apply, which also see the objects already stored.
        let texts = context.objects.map { (file: $0.file, text: ManifestEncoder.yaml($0.value)) }
        let report = ManifestSet.decode(sources: texts.map {
            ManifestSet.Source(file: "\($0.file) (imported)", bytes: Array($0.text.utf8))
        }).report
        return KubernetesImport(objects: report.objects.map(\.object), texts: texts.map(\.text),
                                diagnostics: (diagnostics + report.diagnostics).sorted())
    }
}

/// What an import produced.
public struct KubernetesImport: Sendable {
    /// The meshctl objects, typed and checked (empty where one failed meshctl's checks).
    public var objects: [ManifestObject]
    /// Each object as meshctl YAML.
    public var texts: [String]
    public var diagnostics: [Diagnostic]

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }

    /// Every object as one YAML stream, Services first.
    public var yaml: String { ManifestEncoder.yaml(objects.sorted { ($0.kind, $0.name) < ($1.kind, $1.name) }) }

    /// One file per object, `service-web.yaml`.
    public var files: [(name: String, text: String)] {
        objects.sorted { ($0.kind, $0.name) < ($1.kind, $1.name) }.map {
            ("\($0.kind.rawValue.lowercased())-\($0.name).yaml", ManifestEncoder.yaml([$0]))
        }
    }
}
