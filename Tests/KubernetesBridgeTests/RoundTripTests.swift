import KubernetesBridge
import Manifests
import Testing

/// export → import gives back the same objects (what `meshctl diff` would show as no change), for every example and
/// every target, with nothing left as an error.
@Suite struct RoundTripTests {
    static let cases: [(String, ExportOptions)] = BridgeFixtures.exampleNames.flatMap { name in
        BridgeFixtures.allOptions.map { (name, $0) }
    }

    @Test(arguments: cases)
    func exampleSurvivesExportAndImport(example: String, options: ExportOptions) {
        let mesh = BridgeFixtures.example(example)
        let exported = BridgeFixtures.export(mesh, options)
        #expect(exported.errors.isEmpty, "\(exported.errors)")
        let sources = exported.files.map { ManifestSet.Source(file: $0.name, bytes: Array($0.text.utf8)) }
        let imported = KubernetesImporter.importObjects(sources)
        #expect(imported.errors.isEmpty, "\(imported.errors)")
        #expect(BridgeFixtures.canonical(imported.objects) == BridgeFixtures.canonical(mesh.map(\.object)))
    }

    @Test func generatedMeshSurvivesExportAndImport() {
        let mesh = BridgeFixtures.generatedMesh(services: 200)
        for options in [ExportOptions(mesh: .istio, rollouts: .argo, split: .gateway),
                        ExportOptions(mesh: .linkerd, rollouts: .flagger, split: .smi)] {
            let exported = BridgeFixtures.export(mesh, options)
            #expect(exported.errors.isEmpty)
            let imported = KubernetesImporter.importObjects([ManifestSet.Source(file: "all.yaml", bytes: Array(exported.yaml.utf8))])
            #expect(imported.errors.isEmpty, "\(imported.errors.prefix(3))")
            #expect(BridgeFixtures.canonical(imported.objects) == BridgeFixtures.canonical(mesh.map(\.object)))
        }
    }
}

extension ExportOptions: CustomTestStringConvertible {
    public var testDescription: String { "\(mesh.rawValue)/\(rollouts.rawValue)/\(split.rawValue)" }
}
