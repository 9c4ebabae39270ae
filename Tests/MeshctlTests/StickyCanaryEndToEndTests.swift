import Foundation
import Testing

/// A sticky canary (Flagger's `sessionAffinity`) through a real operator, the gateway and the demo app: at weight
/// 20 each new client is pinned by a cookie to the version it first got; at weight 80 those pins still hold (a
/// client pinned to stable stays there); after `abort` the cookie no longer matters and everyone gets stable.
@Suite("sticky canary end to end", .serialized)
struct StickyCanaryEndToEndTests {
    static func manifests(root: Int, primary: Int, canary: Int, canaryVersion: String) -> String {
        CanaryMesh.routeManifests(root: root, primary: primary, canary: canary, canaryArgs: "--version, \(canaryVersion)",
                                  rollout: """
                steps: [{setWeight: 20}, {pause: {}}, {setWeight: 80}, {pause: {}}]
                sessionAffinity: {cookieName: mesh-canary, maxAge: 600}
                analysis: {interval: 1s, threshold: 3, minRequests: 1}
            """)
    }

    struct Client {
        var cookie: String
        var first: String
    }

    @Test func aClientKeepsTheVersionItFirstGotWhileWeightsMoveUntilTheRolloutEnds() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let (root, primary, canary) = (OperatorHarness.freePort(), OperatorHarness.freePort(), OperatorHarness.freePort())
        try harness.write("mesh.yaml", Self.manifests(root: root, primary: primary, canary: canary, canaryVersion: "v1"))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(harness.eventually(60) { HeaderGet.get(port: root, host: "web")?.status == 200 })
        // Traffic for the analysis at each weight, and a check that no request fails meanwhile.
        let users = RequestLoop(port: root, host: "web")
        users.start()
        defer { users.stop() }
        try harness.write("mesh.yaml", Self.manifests(root: root, primary: primary, canary: canary, canaryVersion: "v2"))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        func status() throws -> String { try harness.meshctl(["rollout", "status", "web"]).stdout }
        var seen = ""
        try #require(try harness.eventually(90) {
            seen = try status()
            return seen.hasPrefix("rollout/web  Paused") && seen.contains("step 2/4")
        }, "never paused at weight 20: \(seen)")

        // 40 new clients at weight 20: each is pinned to what it first got.
        var clients: [Client] = []
        for _ in 0..<40 {
            guard let answer = HeaderGet.get(port: root, host: "web", field: "set-cookie"), answer.status == 200,
                  let setCookie = answer.field else { continue }
            clients.append(Client(cookie: String(setCookie.prefix { $0 != ";" }), first: answer.version))
        }
        #expect(clients.count == 40, "every first answer pins: \(clients.count)")
        #expect(clients.allSatisfy { $0.cookie.hasPrefix("mesh-canary=") })
        let onCanary = clients.filter { $0.first == "v2" }.count
        #expect(onCanary > 0 && onCanary < 20, "about a fifth first got the canary: \(onCanary) of \(clients.count)")
        func again(_ client: Client) -> [String] {
            (0..<4).compactMap { _ in HeaderGet.get(port: root, host: "web", headers: ["Cookie: a=1; \(client.cookie)"])?.version }
        }
        for client in clients { #expect(again(client) == Array(repeating: client.first, count: 4), "at 20: \(client)") }

        // Weight 80: the pins hold both ways.
        #expect(try harness.meshctl(["rollout", "promote", "web"]).status == 0)
        try #require(try harness.eventually(60) {
            seen = try status()
            return seen.hasPrefix("rollout/web  Paused") && seen.contains("step 4/4")
        }, "never paused at weight 80: \(seen)")
        for client in clients { #expect(again(client) == Array(repeating: client.first, count: 4), "at 80: \(client)") }

        // Aborted: all traffic on stable, whatever the cookie.
        #expect(try harness.meshctl(["rollout", "abort", "web"]).status == 0)
        #expect(try harness.eventually(60) { try status().hasPrefix("rollout/web  Aborted") }, "\(seen)")
        for client in clients where client.first == "v2" {
            #expect(again(client) == Array(repeating: "v1", count: 4), "after abort: \(client)")
        }
        users.stop()
        #expect(users.counts.failed == 0, "\(users.counts.failures)")
    }
}
