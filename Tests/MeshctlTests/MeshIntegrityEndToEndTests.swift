import Foundation
import Testing

/// Whole-mesh validity through the real CLI and operator: a lone file resolves against what is stored, and no
/// write (delete, apply --prune) may leave a reference dangling, which used to freeze every proxy's configuration.
@Suite("meshctl keeps the stored mesh valid", .serialized)
struct MeshIntegrityEndToEndTests {
    private func services(_ names: [String], ports: [Int]) -> String {
        zip(names, ports).map { name, port in
            """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: \(name)}
            spec:
              port: \(port)
              endpoints: ["127.0.0.1:\(port)"]
            ---

            """
        }.joined()
    }

    private func split(v1: Int, v2: Int) -> String { StoreIntegrityTests.split(v1: v1, v2: v2) }

    @Test func referencesResolveAgainstTheStoreAndNothingIsLeftDangling() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let ports = (0..<3).map { _ in OperatorHarness.freePort() }
        try harness.write("services.yaml", services(["web", "web-v1", "web-v2"], ports: ports))
        try harness.write("split.yaml", split(v1: 9, v2: 1))
        let first = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(first.status == 0, "\(first.stderr)")

        // One file alone, as kubectl users apply a weight change: the Services it names are stored.
        let lone = harness.directory + "/split.yaml"
        try split(v1: 5, v2: 5).write(toFile: lone, atomically: true, encoding: .utf8)
        let weights = try harness.meshctl(["apply", "-f", lone])
        #expect(weights.status == 0, "\(weights.stderr)")
        #expect(weights.stdout.contains("trafficsplit/web configured"), "\(weights.stdout)")

        // Deleting a Service the split still names is refused, naming the split; nothing is deleted.
        let refused = try harness.meshctl(["delete", "service", "web-v2"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("cannot delete service/web-v2: still referred to by trafficsplit/web"),
                "\(refused.stderr)")
        #expect(try harness.meshctl(["get", "service", "web-v2"]).status == 0)

        // So is a prune that would delete it: the split now comes from the lone file, not the pruned directory.
        try FileManager.default.removeItem(atPath: harness.manifests + "/split.yaml")
        try harness.write("services.yaml", services(["web", "web-v1"], ports: Array(ports.prefix(2))))
        let prune = try harness.meshctl(["apply", "--prune", "-f", harness.manifests])
        #expect(prune.status == 1)
        #expect(prune.stderr.contains("cannot prune service/web-v2: still referred to by trafficsplit/web"),
                "\(prune.stderr)")
        #expect(try harness.meshctl(["get", "service", "web-v2"]).status == 0)

        // --cascade deletes the referrer too, in one write.
        let cascade = try harness.meshctl(["delete", "service", "web-v2", "--cascade"])
        #expect(cascade.status == 0, "\(cascade.stderr)")
        #expect(cascade.stdout.contains("service/web-v2 deleted"), "\(cascade.stdout)")
        #expect(cascade.stdout.contains("trafficsplit/web deleted"), "\(cascade.stdout)")
        #expect(try harness.meshctl(["get", "service", "web-v2"]).status != 0)
        #expect(try harness.meshctl(["get", "trafficsplit", "web"]).status != 0)
        #expect(try harness.meshctl(["get", "service", "web-v1"]).status == 0)
    }
}
