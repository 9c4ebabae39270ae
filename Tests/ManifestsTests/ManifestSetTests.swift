import Foundation
import Testing

@testable import Manifests

/// Loading paths: files, directories searched recursively, missing paths, and the summary line.
@Suite("Loading manifests from paths")
struct ManifestSetTests {
    /// A fresh temporary directory, removed by the caller.
    private func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("manifests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test func directoriesAreSearchedRecursivelyInSortedOrder() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try write(serviceYAML("b", port: 2), to: root + "/z/b.yml")
        try write(serviceYAML("a", port: 1) + serviceYAML("c", port: 3), to: root + "/a.yaml")
        try write("not: yaml we read", to: root + "/notes.txt")
        try write("", to: root + "/empty.yaml")
        let report = ManifestSet.load(paths: [root + "/"])
        #expect(report.diagnostics == [])
        #expect(report.objects.map(\.object.name) == ["a", "c", "b"])
        #expect(report.objects.map(\.source.file) == [root + "/a.yaml", root + "/a.yaml", root + "/z/b.yml"])
        #expect(report.fileCount == 3)
        #expect(report.summary == "3 objects valid (3 files)")
    }

    @Test func aMissingPathIsAnError() {
        let report = ManifestSet.load(paths: ["/nonexistent/manifests"])
        #expect(report.diagnostics.map(\.description) == [
            "/nonexistent/manifests:1:1: error: no such file or directory"
        ])
        #expect(report.summary == "1 error in 0 objects (0 files)")
        #expect(!report.isValid)
    }

    @Test func yamlSyntaxErrorsAndSchemaErrorsAreReportedTogether() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try write("a: [unclosed\n", to: root + "/1-broken.yaml")
        try write(serviceYAML("a", port: 0), to: root + "/2-bad.yaml")
        let report = ManifestSet.load(paths: [root])
        #expect(report.diagnostics.count == 2)
        #expect(report.diagnostics[0].file == root + "/1-broken.yaml")
        #expect(report.diagnostics[1].description == "\(root)/2-bad.yaml:6:9: error: spec.port: expected a whole number from 1 to 65535, got 0")
        #expect(report.summary == "2 errors in 1 object (2 files)")
    }

    @Test func diagnosticsAreSortedByFileThenPosition() {
        let report = loadManifests([("b.yaml", serviceYAML("x", port: 0)), ("a.yaml", serviceYAML("Y", port: 1))])
        #expect(report.diagnostics.map(\.file) == ["a.yaml", "b.yaml"])
    }
}
