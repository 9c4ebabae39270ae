import Foundation
import OperatorAPI
import Testing

/// The mesh the operator runs is mTLS between proxies with no configuration: the CA is made on first start, each
/// sidecar gets a certificate for its Service, the gateway reaches the sidecars over mTLS (docs/identity.md).
@Suite("operator-run mesh speaks mTLS", .serialized)
struct MeshTLSEndToEndTests {
    @Test func sidecarsHaveSpiffeIdentitiesAndTheGatewayCallsThemOverTLS() async throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        _ = try Self.startOneServiceMesh(harness)

        // The anchor's key is owner-only.
        let identity = harness.stateDirectory + "/identity"
        #expect(try FileManager.default.attributesOfItem(atPath: identity + "/anchor-1.key.pem")[.posixPermissions] as? Int == 0o600)

        let status = try await APIClient(socketPath: harness.stateDirectory + "/operator.sock").send("GET", "/v1/status")
        let snapshot = try JSONDecoder().decode(StatusSnapshot.self, from: Data(status.body))
        let sidecar = try #require(snapshot.processes.first { $0.role == "sidecar" && !$0.state.hasPrefix("exited") })
        let inbound = try #require(sidecar.ports["inbound"])
        let gatewayAdmin = try #require(snapshot.processes.first { $0.role == "gateway" }?.ports["admin"])
        // The gateway's configuration says web's endpoints are mesh sidecars (mTLS).
        let gatewayConfig = try await APIClient(host: "127.0.0.1", port: gatewayAdmin).send("GET", "/config")
        #expect(String(decoding: gatewayConfig.body, as: UTF8.self).contains("\"mtls\" : true"))

        // openssl, with a client certificate signed by the mesh's anchor (as another sidecar would have one), sees
        // TLS 1.3 and the sidecar's SPIFFE ID.
        let folder = harness.directory
        try "subjectAltName=URI:spiffe://meshctl.local/ns/default/sa/debug\nextendedKeyUsage=clientAuth\n"
            .write(toFile: folder + "/debug.ext", atomically: true, encoding: .utf8)
        let issue = try Self.shell("cd \(folder) && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
            + "-keyout debug.key -subj /CN=debug -out debug.csr 2>&1 && openssl x509 -req -in debug.csr "
            + "-CA \(identity)/anchor-1.pem -CAkey \(identity)/anchor-1.key.pem -set_serial 7 -days 1 "
            + "-extfile debug.ext -out debug.pem 2>&1 && cp \(identity)/anchor-1.pem bundle.pem")
        #expect(FileManager.default.fileExists(atPath: folder + "/debug.pem"), "\(issue)")
        let output = try Self.shell("echo | openssl s_client -connect 127.0.0.1:\(inbound) -tls1_3 -cert \(folder)/debug.pem "
            + "-key \(folder)/debug.key -CAfile \(folder)/bundle.pem > \(folder)/s_client.txt 2>&1; "
            + "openssl x509 -noout -ext subjectAltName < \(folder)/s_client.txt; cat \(folder)/s_client.txt")
        #expect(output.contains("URI:spiffe://meshctl.local/ns/default/sa/web"), "\(output)")
        #expect(output.contains("TLSv1.3"), "\(output)")
        #expect(output.contains("Verify return code: 0 (ok)"), "\(output)")
    }

    /// An operator running one Service `web` (one demo-app replica), answering on its port; returns the port.
    static func startOneServiceMesh(_ harness: OperatorHarness) throws -> Int {
        try harness.start()
        let port = OperatorHarness.freePort()
        try harness.write("web.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web}
            spec:
              port: \(port)
              command: [meshctl, demo-app, --version, v1]

            """)
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(harness.eventually { LoopbackGet.get(port: port)?.body.hasPrefix("hello from v1") == true })
        return port
    }

    static func shell(_ script: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
