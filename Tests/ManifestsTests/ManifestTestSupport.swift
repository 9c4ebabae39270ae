import Manifests

/// Loads YAML text as one apply set, as `meshctl validate` would load a file of that name.
func loadManifests(_ text: String, file: String = "m.yaml") -> ManifestLoadReport {
    ManifestSet.load(sources: [.init(file: file, bytes: Array(text.utf8))])
}

/// Several files as one apply set.
func loadManifests(_ files: [(String, String)]) -> ManifestLoadReport {
    ManifestSet.load(sources: files.map { .init(file: $0.0, bytes: Array($0.1.utf8)) })
}

func errors(_ text: String, file: String = "m.yaml") -> [String] {
    loadManifests(text, file: file).diagnostics.map(\.description)
}

/// The root of the repository, to reach `examples/`.
let repositoryRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Tests/ManifestsTests/ManifestTestSupport.swift
    return parts.joined(separator: "/")
}()

/// A minimal valid service, to make references resolve.
func serviceYAML(_ name: String, port: Int, command: Bool = true) -> String {
    """
    apiVersion: mesh.meshctl.dev/v1alpha1
    kind: Service
    metadata:
      name: \(name)
    spec:
      port: \(port)
    \(command ? "  endpoints: [\"127.0.0.1:\(port + 10000)\"]" : "")
    ---

    """
}
