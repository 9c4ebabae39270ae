import Foundation
import Synchronization
import Testing

/// Changes to a mesh under load lose nothing: a client loops requests through the gateway (or a sidecar) while the
/// operator changes what runs, and counts every request that did not get its 200.
@Suite("zero-drop changes end to end", .serialized)
struct ZeroDropEndToEndTests {
    static func service(_ name: String, port: Int, replicas: Int = 1) -> String {
        """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: \(name)}
        spec:
          port: \(port)
          command: [meshctl, demo-app, --version, \(name)]
          replicas: \(replicas)
          healthCheck: {path: /healthz, interval: 1s, timeout: 500ms}

        """
    }

    @Test func aServiceAddedUnderLoadRefusesNoConnectionAndTheGatewayKeepsRunning() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let (webPort, apiPort) = (OperatorHarness.freePort(), OperatorHarness.freePort())
        try harness.write("web.yaml", Self.service("web", port: webPort, replicas: 2))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(harness.eventually(60) { LoopbackGet.get(port: webPort)?.status == 200 })
        let gateway = try #require(try harness.processes()["gateway/gateway/0"])

        let load = RequestLoop(port: webPort, host: "web")
        load.start()
        defer { load.stop() }
        #expect(harness.eventually(10) { load.counts.ok >= 20 })
        try harness.write("api.yaml", Self.service("api", port: apiPort))
        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(harness.eventually(60) { LoopbackGet.get(port: apiPort, host: "api")?.body.contains("api") == true })
        let okBefore = load.counts.ok
        #expect(harness.eventually(10) { load.counts.ok >= okBefore + 20 })
        load.stop()

        let counts = load.counts
        #expect(counts.failed == 0, "\(counts.failures)")
        #expect(counts.ok > 40)
        // The same gateway process serves the new port: bound in place, not restarted.
        #expect(try harness.processes()["gateway/gateway/0"] == gateway)
    }
}
