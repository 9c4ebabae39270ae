import Foundation
import MeshTelemetry
import OperatorAPI
import Testing

/// The proxies the operator runs take changes only from the operator: a local process that reaches their admin
/// ports without the state directory's token is refused and changes nothing (docs/security.md).
@Suite("proxy admin endpoints are locked", .serialized)
struct AdminLockEndToEndTests {
    @Test func aRogueLocalProcessCannotReconfigureOrDrainAProxy() async throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        let port = try MeshTLSEndToEndTests.startOneServiceMesh(harness)

        // The secret is owner-only.
        let token = harness.stateDirectory + "/admin.token"
        let mode = try FileManager.default.attributesOfItem(atPath: token)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let scraper = MeshScraper(operatorClient: APIClient(socketPath: harness.stateDirectory + "/operator.sock"))
        let adminPorts = try await scraper.targets().adminPorts
        #expect(adminPorts.count == 2)  // the gateway and web's sidecar
        for adminPort in adminPorts {
            let rogue = APIClient(host: "127.0.0.1", port: adminPort)
            let before = try await rogue.send("GET", "/config/version")
            #expect(before.status == 200)  // reads are open
            let push = try await rogue.send("PUT", "/config", body: Array(#"{"version":"rogue","listeners":[]}"#.utf8))
            let drain = try await rogue.send("POST", "/drain")
            #expect(push.status == 401 && drain.status == 401)
            let after = try await rogue.send("GET", "/config/version")
            #expect(after.body == before.body)
            #expect(try await rogue.send("GET", "/ready").status == 200)
        }
        #expect(LoopbackGet.get(port: port)?.body.hasPrefix("hello from v1") == true)
    }
}
