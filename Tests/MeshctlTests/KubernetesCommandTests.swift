import Foundation
import Testing

/// `meshctl export --kubernetes` and `meshctl import` as a user runs them: files written, warnings and errors on
/// stderr at the meshctl field, and the way back giving the same canonical manifests `meshctl validate -o yaml` prints.
@Suite struct KubernetesCommandTests {
    static let images = "web-v1: registry.example.com/web:1\nweb-v2: registry.example.com/web:2\n"

    @Test func exportThenImportGivesTheSameManifests() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("k8s-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let imageMap = scratch.appendingPathComponent("images.yaml").path
        try Self.images.write(toFile: imageMap, atomically: true, encoding: .utf8)
        let k8s = scratch.appendingPathComponent("k8s").path
        let back = scratch.appendingPathComponent("back").path

        let export = try MeshctlRunner.run(
            ["export", "--kubernetes", "-f", "examples/canary", "--mesh", "istio", "--rollouts", "argo",
             "--image-map", imageMap, "-o", k8s], in: MeshctlRunner.repositoryRoot)
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stderr.contains("examples/canary/rollout.yaml:22:20: warning: spec.canary.analysis.minRequests: not enforced in the cluster"))
        let files = try FileManager.default.contentsOfDirectory(atPath: k8s).sorted()
        #expect(files == ["retrypolicy-web.yaml", "rollout-web.yaml", "service-web-v1.yaml", "service-web-v2.yaml",
                          "service-web.yaml", "trafficsplit-web.yaml"])

        let imported = try MeshctlRunner.run(["import", "-f", k8s, "-o", back], in: MeshctlRunner.repositoryRoot)
        #expect(imported.status == 0, "\(imported.stderr)")
        let original = try MeshctlRunner.run(["validate", "-f", "examples/canary", "-o", "yaml"], in: MeshctlRunner.repositoryRoot)
        let roundTrip = try MeshctlRunner.run(["validate", "-f", back, "-o", "yaml"], in: MeshctlRunner.repositoryRoot)
        #expect(roundTrip.status == 0, "\(roundTrip.stderr)")
        // The same objects; validate prints them in file order, and the file names differ.
        let documents = { (text: String) in text.components(separatedBy: "---\n").sorted() }
        #expect(documents(roundTrip.stdout) == documents(original.stdout))
        #expect(documents(original.stdout).count == 6)
    }

    @Test func exportWithoutAnImageIsAnErrorNamingTheService() throws {
        let result = try MeshctlRunner.run(["export", "--kubernetes", "-f", "examples/canary"],
                                           in: MeshctlRunner.repositoryRoot)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty, "nothing is written on error")
        #expect(result.stderr.contains("examples/canary/services.yaml:21:12: error: spec.command: Service web-v1 has no image in the image map (no --image-map given)"))
        #expect(result.stderr.contains("examples/canary/services.yaml:41:12: error: spec.command: Service web-v2 has no image"))
    }
}
