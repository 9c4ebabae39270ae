import Foundation
import OperatorAPI
import Testing

/// Natural renewal at 70 % of a leaf's life, under load: an operator issuing 5-second leaves
/// (`--cert-lifetime 5s`), two request loops through the gateway to two replicas over mTLS with fresh handshakes
/// (the pool closes a connection every 5 requests), for about four renewal periods. Every proxy (the gateway and
/// both sidecars) presents at least three different leaves in that time, each one's `notBefore` later than the
/// last, and no request fails. Without renewal every leaf expires 5 s in and new handshakes fail.
@Suite("identity renewal end to end", .serialized)
struct IdentityRenewalEndToEndTests {
    /// What a proxy's admin `GET /identity` says of its current leaf.
    struct Leaf: Decodable, Hashable {
        var serial: String
        var notBefore: String
    }

    @Test func shortLivedLeavesRenewUnderLoadWithNoFailedRequest() async throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start(arguments: ["--cert-lifetime", "5s"])
        let port = OperatorHarness.freePort()
        try harness.write("web.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web}
            spec:
              port: \(port)
              command: [meshctl, demo-app, --version, v1]
              replicas: 2
              mtls: strict
              connectionPool: {maxRequestsPerConnection: 5}

            """)
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(harness.eventually(40) { LoopbackGet.get(port: port)?.status == 200 })
        let admins = try await Self.proxyAdminPorts(harness)
        #expect(admins.count == 3, "\(admins)")  // the gateway and two sidecars

        let loops = (0..<2).map { _ in RequestLoop(port: port, host: "web") }
        loops.forEach { $0.start() }
        // About four renewal periods (3.5 s each), sampling every proxy's leaf every 250 ms: 60 × 250 ms = 15 s.
        var seen: [String: [Leaf]] = [:]
        for _ in 0..<60 {
            for (slot, admin) in admins {
                guard let answer = LoopbackGet.get(port: admin, path: "/identity"), answer.status == 200,
                      let leaf = try? JSONDecoder().decode(Leaf.self, from: Data(answer.body.utf8)) else { continue }
                if seen[slot]?.last != leaf { seen[slot, default: []].append(leaf) }
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        loops.forEach { $0.stop() }

        for (slot, _) in admins {
            let leaves = seen[slot] ?? []
            #expect(Set(leaves.map(\.serial)).count >= 3, "\(slot) renewed fewer than twice: \(leaves)")
            // ISO 8601 in UTC sorts as it reads: each new leaf starts later than the one before.
            #expect(zip(leaves, leaves.dropFirst()).allSatisfy { $0.notBefore < $1.notBefore }, "\(slot): \(leaves)")
        }
        let counts = loops.map(\.counts)
        #expect(counts.map(\.failed) == [0, 0], "\(counts.flatMap(\.failures))")
        #expect(counts.map(\.ok).reduce(0, +) > 100)

        // What the admin endpoint reports is what the sidecar presents on its inbound port (openssl's view); read
        // before and after, as a renewal may fall between.
        let ports = try #require(try await IdentityRotationEndToEndTests.sidecarPorts(harness))
        let inbound = try #require(ports["inbound"]), admin = try #require(ports["admin"])
        func reported() -> String? {
            LoopbackGet.get(port: admin, path: "/identity").flatMap { try? JSONDecoder().decode(Leaf.self, from: Data($0.body.utf8)) }?.serial
        }
        let before = reported()
        let presented = try MeshTLSEndToEndTests.shell("echo | openssl s_client -connect 127.0.0.1:\(inbound) -tls1_3 "
            + "2>/dev/null | openssl x509 -noout -serial").trimmingCharacters(in: .whitespacesAndNewlines)
        let after = reported()
        #expect([before, after].compactMap { $0.map { "serial=" + $0 } }.contains(presented),
                "openssl: \(presented), admin: \(String(describing: before)) then \(String(describing: after))")
    }

    /// Every ready proxy's admin port by slot: the gateway and each sidecar.
    static func proxyAdminPorts(_ harness: OperatorHarness) async throws -> [String: Int] {
        try await proxyPorts(harness).compactMapValues { $0["admin"] }
    }

    /// Every ready proxy's ports (`admin`, a sidecar's `inbound` and `outbound`, …) by slot.
    static func proxyPorts(_ harness: OperatorHarness) async throws -> [String: [String: Int]] {
        let status = try await APIClient(socketPath: harness.stateDirectory + "/operator.sock").send("GET", "/v1/status")
        let snapshot = try JSONDecoder().decode(StatusSnapshot.self, from: Data(status.body))
        let proxies = snapshot.processes.filter { ($0.role == "sidecar" || $0.role == "gateway") && $0.state == "ready" }
        return Dictionary(proxies.map { ($0.slot, $0.ports) }, uniquingKeysWith: { first, _ in first })
    }
}
