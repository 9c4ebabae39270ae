import Foundation
import Testing

/// `meshctl apply --resource-version`: a writer that read an object and changes it loses to anyone who changed it
/// in between, with nothing applied and a message saying what moved (Kubernetes' optimistic concurrency).
@Suite("apply with resourceVersion preconditions", .serialized)
struct ApplyConcurrencyTests {
    private func service(port: Int, endpoint: String) -> String {
        """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: db}
        spec:
          port: \(port)
          endpoints: ["\(endpoint)"]

        """
    }

    private func resourceVersion(_ harness: OperatorHarness) throws -> Int64? {
        let output = try harness.meshctl(["get", "services", "db", "-o", "json"]).stdout
        let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        let items = object?["items"] as? [[String: Any]]
        let metadata = (items?.first ?? object)?["metadata"] as? [String: Any]
        return (metadata?["resourceVersion"] as? String).flatMap { Int64($0) }
    }

    /// The resourceVersion once the operator has written the status for the current generation (a status write
    /// moves resourceVersion too, as in Kubernetes), so the test's own reads are not raced by the operator.
    private func settledResourceVersion(_ harness: OperatorHarness) throws -> Int64? {
        var settled: Int64?
        _ = try harness.eventually(20) {
            let first = try resourceVersion(harness)
            Thread.sleep(forTimeInterval: 0.6)
            let second = try resourceVersion(harness)
            settled = second
            return first != nil && first == second
        }
        return settled
    }

    @Test func aStaleResourceVersionIsRefusedWithWhatMoved() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let port = OperatorHarness.freePort()
        try harness.write("db.yaml", service(port: port, endpoint: "127.0.0.1:9001"))
        let create = try harness.meshctl(["apply", "-f", harness.manifests, "--resource-version", "svc/db=0"])
        #expect(create.status == 0, "\(create.stderr)")

        let read = try #require(try settledResourceVersion(harness))
        // Someone else changes it after we read it...
        try harness.write("db.yaml", service(port: port, endpoint: "127.0.0.1:9002"))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        let now = try #require(try resourceVersion(harness))
        #expect(now > read)

        // ...so our write, based on what we read, is refused and changes nothing.
        try harness.write("db.yaml", service(port: port, endpoint: "127.0.0.1:9003"))
        let stale = try harness.meshctl(["apply", "-f", harness.manifests, "--resource-version", "service/db=\(read)"])
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("conflict: Service/db was changed since you read it"), "\(stale.stderr)")
        #expect(stale.stderr.contains("read resourceVersion \(read)"), "\(stale.stderr)")
        #expect(stale.stderr.contains("nothing applied"), "\(stale.stderr)")
        let unchanged = try harness.meshctl(["get", "services", "db", "-o", "yaml"]).stdout
        #expect(unchanged.contains("9002") && !unchanged.contains("9003"), "\(unchanged)")

        // With the current resourceVersion it goes through.
        let current = try #require(try settledResourceVersion(harness))
        let fresh = try harness.meshctl(["apply", "-f", harness.manifests, "--resource-version", "svc/db=\(current)"])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(try harness.meshctl(["get", "services", "db", "-o", "yaml"]).stdout.contains("9003"))

        // "0" means the object must not exist yet.
        let exists = try harness.meshctl(["apply", "-f", harness.manifests, "--resource-version", "svc/db=0"])
        #expect(exists.status == 1)
        #expect(exists.stderr.contains("expected it not to exist"), "\(exists.stderr)")
    }
}
