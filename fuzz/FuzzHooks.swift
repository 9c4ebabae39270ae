/// The stages the harness drives after loading: decoding and validation of every kind, then canonical encoding
/// of whatever decoded — none of them may crash on any input.
enum FuzzHooks {
    static func afterLoad(_ result: YAMLLoadResult, bytes: [UInt8]) {
        guard result.diagnostics.isEmpty else { return }
        let report = ManifestSet.load(sources: [ManifestSet.Source(file: "fuzz.yaml", bytes: bytes)])
        _ = report.summary
        let objects = report.objects.map(\.object)
        guard !objects.isEmpty else { return }
        _ = ManifestEncoder.yaml(objects)
        _ = ManifestEncoder.json(objects)
    }
}
