import Foundation
import OperatorAPI
import OperatorCore
import Testing

/// Flagger-style webhooks called by a real operator, answered by a tiny HTTP server in the test.
extension BlueGreenEndToEndTests {
    static func webhooks(_ server: TinyWebhookServer, _ kinds: [(String, String)]) -> String {
        "      webhooks:\n" + kinds.map { type, path in
            "      - {name: \(type), type: \(type), url: \"\(server.url(path))\", timeout: 2s}\n"
        }.joined()
    }

    @Test func aConfirmPromotionWebhookAnswering403HoldsThePromotionUntilItAnswers200() async throws {
        let server = try TinyWebhookServer()
        defer { server.stop() }
        server.answer("/confirm", 403)
        let harness = try OperatorHarness()
        defer { harness.stop() }
        let ports = Ports()
        let spec = Self.blueGreen(Self.webhooks(server, [("pre-rollout", "/pre"), ("confirm-promotion", "/confirm")]),
                                  autoPromotion: true)
        try Self.start(harness, ports, rollout: spec)

        try harness.write("mesh.yaml", Self.mesh(ports, greenVersion: "v2", rollout: spec))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        // Auto-promotion is due at once, but the gate keeps saying no: asked again and again, nothing switches.
        let held = await Self.waitFor(harness) { $0.phase == "WaitingPromotion" && server.calls(to: "/confirm") >= 3 }
        #expect(held != nil)
        #expect(server.calls(to: "/pre") == 1)
        #expect(Self.answers(harness.gatewayPort) == ["v1": 12])
        #expect(Self.answers(harness.gatewayPort, headers: Self.preview) == ["v2": 12])

        server.answer("/confirm", 200)
        let promoted = await Self.waitFor(harness, previewTraffic: false) {
            $0.phase == "Promoting" && $0.canaryWeight == 100 && $0.confirmed
        }
        #expect(promoted != nil)
        #expect(Self.answers(harness.gatewayPort) == ["v2": 12])
    }

    @Test func aFailingPreRolloutWebhookFailsTheRolloutBeforeAnyRoutingAndARollbackWebhookRollsBack() async throws {
        let server = try TinyWebhookServer()
        defer { server.stop() }
        server.answer("/pre", 500)
        let harness = try OperatorHarness()
        defer { harness.stop() }
        let ports = Ports()
        let spec = Self.blueGreen(Self.webhooks(server, [("pre-rollout", "/pre"), ("rollback", "/rollback")]))
        try Self.start(harness, ports, rollout: spec)

        try harness.write("mesh.yaml", Self.mesh(ports, greenVersion: "v2", rollout: spec))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        let failed = await Self.waitFor(harness) { $0.phase == "Failed" }
        #expect(failed?.message.contains("PreRolloutWebhookFailed") == true)
        // No preview was ever routed: the header reaches the active version.
        #expect(Self.answers(harness.gatewayPort, headers: Self.preview) == ["v1": 12])
        #expect(server.calls(to: "/rollback") == 0)

        // Retried with the pre-rollout hook passing: the preview is analysed, and the rollback hook (answering 200)
        // asks to roll back at the first analysis window.
        server.answer("/pre", 200)
        #expect(try harness.meshctl(["rollout", "retry", "shop"]).status == 0)
        let rolledBack = await Self.waitFor(harness) { $0.phase == "Failed" && $0.message.contains("RollbackWebhook") }
        #expect(rolledBack != nil)
        #expect(server.calls(to: "/rollback") >= 1)
        #expect(Self.answers(harness.gatewayPort, headers: Self.preview) == ["v1": 12])
    }
}
