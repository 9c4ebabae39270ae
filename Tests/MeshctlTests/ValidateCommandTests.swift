import Foundation
import Testing

/// `meshctl validate` end to end: the real binary, real files, exit codes and output.
@Suite("meshctl validate", .serialized)
struct ValidateCommandTests {
    private func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("validate-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func theExamplesAreValid() throws {
        let result = try MeshctlRunner.run(["validate", "-f", "examples/"], in: MeshctlRunner.repositoryRoot)
        #expect(result.status == 0)
        #expect(result.stdout == "")
        #expect(result.stderr == "23 objects valid (13 files)\n")
    }

    @Test func eachExampleSetIsValidOnItsOwn() throws {
        for set in ["examples/canary", "examples/blue-green", "examples/retries", "examples/two-tier"] {
            let result = try MeshctlRunner.run(["validate", "-f", set], in: MeshctlRunner.repositoryRoot)
            #expect(result.status == 0, "\(set): \(result.stderr)")
        }
    }

    @Test func badFilesListEveryErrorThenTheSummaryAndExitOne() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data(
            """
            apiVersion: split.smi-spec.io/v1alpha4
            kind: TrafficSplit
            metadata:
              name: Web_Split
            spec:
              service: web
              backends:
              - service: web-v1
                weight: a lot

            """.utf8
        ).write(to: URL(fileURLWithPath: directory + "/split.yaml"))
        try Data(
            """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata:
              name: web-v1
            spec:
              port: 8080
              command: [meshctl, demo-app]
              replica: 2

            """.utf8
        ).write(to: URL(fileURLWithPath: directory + "/web.yml"))
        let result = try MeshctlRunner.run(["validate", "-f", directory])
        #expect(result.status == 1)
        #expect(result.stdout == "")
        #expect(
            result.stderr == """
                \(directory)/split.yaml:4:9: error: metadata.name: "Web_Split" is not a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)
                \(directory)/split.yaml:9:13: error: spec.backends[0].weight: expected a whole number >= 0, got "a lot"
                \(directory)/web.yml:8:3: error: spec.replica: unknown field "replica", did you mean "replicas"?
                3 errors in 2 objects (2 files)

                """
        )
    }

    @Test func aMissingPathFails() throws {
        let result = try MeshctlRunner.run(["validate", "-f", "/nonexistent.yaml"])
        #expect(result.status == 1)
        #expect(
            result.stderr == "/nonexistent.yaml:1:1: error: no such file or directory\n1 error in 0 objects (0 files)\n"
        )
    }

    @Test func noPathIsAUsageError() throws {
        let result = try MeshctlRunner.run(["validate"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("-f PATH"))
    }

    @Test func canonicalYAMLOutputValidatesAgainToTheSameOutput() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for format in ["yaml", "json"] {
            let first = try MeshctlRunner.run(
                ["validate", "-f", "examples", "-o", format],
                in: MeshctlRunner.repositoryRoot
            )
            #expect(first.status == 0)
            #expect(first.stderr == "23 objects valid (13 files)\n")
            let file = directory + "/out.\(format == "yaml" ? "yaml" : "yml")"
            try Data(first.stdout.utf8).write(to: URL(fileURLWithPath: file))
            let second = try MeshctlRunner.run(["validate", "-f", file, "-o", format])
            #expect(second.status == 0)
            #expect(second.stderr == "23 objects valid (1 file)\n")
            #expect(second.stdout == first.stdout)
        }
    }

    @Test func canonicalOutputFillsInDefaults() throws {
        let result = try MeshctlRunner.run(
            [
                "validate", "-f", "examples/canary/retries.yaml", "-f", "examples/canary/services.yaml", "-f",
                "examples/canary/split.yaml", "-o", "yaml",
            ],
            in: MeshctlRunner.repositoryRoot
        )
        #expect(result.status == 0)
        #expect(result.stdout.contains("  idempotentOnly: true\n"))
        #expect(result.stdout.contains("  budget:\n    percent: 20\n    minRetriesPerSecond: 10\n"))
        #expect(result.stdout.contains("  loadBalancer: p2c-ewma\n"))
        #expect(result.stdout.contains("  port: 8080\n  appProtocol: http\n"))
    }
}
