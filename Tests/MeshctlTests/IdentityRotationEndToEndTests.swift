import Foundation
import OperatorAPI
import Testing

/// `meshctl identity rotate` under load: every leaf re-issued three times and the anchor replaced, while requests
/// keep flowing gateway → sidecar over mTLS with fresh handshakes (the pool closes a connection every 5 requests),
/// with zero failed requests; at the end only the new anchor is trusted and the sidecar's leaf chains to it.
@Suite("identity rotation end to end", .serialized)
struct IdentityRotationEndToEndTests {
    @Test func anchorRotationUnderLoadFailsNoRequest() async throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let port = OperatorHarness.freePort()
        try harness.write("web.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web}
            spec:
              port: \(port)
              command: [meshctl, demo-app, --version, v1]
              replicas: 2
              connectionPool: {maxRequestsPerConnection: 5}

            """)
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(harness.eventually(40) { LoopbackGet.get(port: port)?.status == 200 })
        let identity = harness.stateDirectory + "/identity"

        let loops = (0..<2).map { _ in RequestLoop(port: port, host: "web") }
        loops.forEach { $0.start() }
        try await Task.sleep(for: .seconds(1))
        let rotate = try harness.meshctl(["identity", "rotate"])
        try await Task.sleep(for: .seconds(1))
        loops.forEach { $0.stop() }
        #expect(rotate.status == 0, "\(rotate.stdout) \(rotate.stderr)")
        // Three steps, each re-issuing the gateway and both sidecars.
        #expect(rotate.stdout.components(separatedBy: "3 proxies re-issued").count == 4, "\(rotate.stdout)")
        #expect(rotate.stdout.contains("anchor 2 signs"), "\(rotate.stdout)")
        let counts = loops.map(\.counts)
        #expect(counts.map(\.failed) == [0, 0], "\(counts.flatMap(\.failures))")
        #expect(counts.map(\.ok).reduce(0, +) > 50)

        // Only anchor 2 is left, and a sidecar's leaf verifies against it alone.
        let files = try FileManager.default.contentsOfDirectory(atPath: identity).filter { $0.hasPrefix("anchor-") }.sorted()
        #expect(files == ["anchor-2.key.pem", "anchor-2.pem"], "\(files)")
        let inbound = try #require(try await Self.sidecarInboundPort(harness))
        let output = try MeshTLSEndToEndTests.shell("echo | openssl s_client -connect 127.0.0.1:\(inbound) -tls1_3 "
            + "-CAfile \(identity)/anchor-2.pem 2>&1")
        #expect(output.contains("Verify return code: 0 (ok)"), "\(output)")
        // And the mesh still serves (new handshakes, new leaves, one anchor).
        #expect((0..<20).allSatisfy { _ in LoopbackGet.get(port: port)?.status == 200 })
    }

    /// The inbound port of a ready sidecar, from the operator's status.
    static func sidecarInboundPort(_ harness: OperatorHarness) async throws -> Int? {
        try await sidecarPorts(harness)?["inbound"]
    }

    /// The ports of a ready sidecar (inbound, outbound, admin), from the operator's status.
    static func sidecarPorts(_ harness: OperatorHarness) async throws -> [String: Int]? {
        let status = try await APIClient(socketPath: harness.stateDirectory + "/operator.sock").send("GET", "/v1/status")
        let snapshot = try JSONDecoder().decode(StatusSnapshot.self, from: Data(status.body))
        return snapshot.processes.first { $0.role == "sidecar" && $0.state == "ready" }?.ports
    }
}
