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
        let texts = context.objects.map { ManifestEncoder.yaml($0.value) }
        let report = ManifestSet.decode(sources: texts.enumerated().map {
            ManifestSet.Source(file: "imported#\($0.offset)", bytes: Array($0.element.utf8))
        }).report
        // A problem in a produced manifest is the Kubernetes object's: point at it, and say which field.
        let located = report.diagnostics.map { diagnostic -> Diagnostic in
            guard let index = Int(diagnostic.file.dropFirst("imported#".count)), context.objects.indices.contains(index)
            else { return diagnostic }
            let origin = context.objects[index]
            let what = "\(origin.value["kind"]?.stringValue ?? "object") \(origin.value.at("metadata.name")?.stringValue ?? "")"
            return Diagnostic(file: origin.file, mark: origin.mark, path: diagnostic.path,
                              message: "\(diagnostic.message) (in the imported \(what))", severity: diagnostic.severity)
        }
        return KubernetesImport(objects: report.objects.map(\.object), texts: texts,
                                diagnostics: (diagnostics + located).sorted())
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
