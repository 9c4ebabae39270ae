import Foundation
import Testing

/// Rollout state lives in the store: an operator killed mid-rollout and started again resumes the rollout at the same
/// step, with the same weights and the same history, and the proxies keep the canary's share meanwhile.
@Suite("rollout survives an operator restart", .serialized)
struct RolloutRestartEndToEndTests {
    /// `meshctl rollout status web`, as lines.
    private func status(_ harness: OperatorHarness) throws -> [String] {
        try harness.meshctl(["rollout", "status", "web"]).stdout.split(separator: "\n").map(String.init)
    }

    /// The lines that say where the rollout stands: phase, step, weights, revision (not the live metrics).
    private func position(_ lines: [String]) -> [String] {
        lines.filter { $0.hasPrefix("rollout/") || $0.hasPrefix("  step    ") || $0.hasPrefix("  weights ") || $0.hasPrefix("  revision ") }
    }

    /// The history entries without their times: a restarted operator asks the proxies again before it counts the
    /// weights as confirmed, so that entry is stamped anew; what happened, and in which order, must not change.
    private func history(_ lines: [String]) -> [String] {
        guard let start = lines.firstIndex(of: "  history") else { return [] }
        return lines[(start + 1)...].map { $0.split(separator: " ", maxSplits: 1).dropFirst().joined() }
    }

    @Test func aKilledOperatorResumesTheCanaryAtTheSameStepWeightAndHistory() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let (root, primary, canary) =
            (OperatorHarness.freePort(), OperatorHarness.freePort(), OperatorHarness.freePort())
        try harness.write("mesh.yaml", CanaryMesh.manifests(root: root, primary: primary, canary: canary, canaryVersion: "v1"))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(harness.eventually(40) { LoopbackGet.get(port: root)?.status == 200 })

        try harness.write("mesh.yaml", CanaryMesh.manifests(root: root, primary: primary, canary: canary, canaryVersion: "v2"))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        var before: [String] = []
        let holding = try harness.eventually(60) {
            before = try status(harness)
            // No traffic: the analysis is inconclusive and holds the weight (step 1/2 at 30 %), which is mid-rollout.
            return before.first?.contains("  Progressing  ") == true && before.contains { $0.hasPrefix("  step    1/2") }
                && before.contains { $0.hasSuffix("weights 70/30 confirmed") }
        }
        try #require(holding, "rollout never held at its first step: \(before)")
        #expect(before.contains { $0.hasPrefix("  weights ") && $0.contains("70/30") }, "\(before)")

        harness.crashOperator()
        // No operator: the proxies keep the split they were given, so both versions still answer.
        var versions: Set<String> = []
        for _ in 0..<60 where versions.count < 2 {
            if let body = LoopbackGet.get(port: root)?.body {
                if body.contains("v2") { versions.insert("v2") } else if body.contains("v1") { versions.insert("v1") }
            }
        }
        #expect(versions == ["v1", "v2"], "30 % canary share kept while no operator runs")

        try harness.start()
        var after: [String] = []
        let resumed = try harness.eventually(30) {
            after = try status(harness)
            return position(after) == position(before)
        }
        #expect(resumed, "before: \(position(before)) after: \(position(after))")
        #expect(Array(history(after).prefix(history(before).count)) == history(before), "history kept: \(after)")
        // The rollout was resumed, not started again: its first entry keeps the time it was written.
        let started = { (lines: [String]) in lines.first { $0.hasSuffix("rolling out " + ($0.split(separator: " ").last ?? "")) } }
        #expect(started(after) != nil && started(after) == started(before), "\(after)")

        // And it still takes commands: promote finishes it.
        #expect(try harness.meshctl(["rollout", "promote", "--full", "web"]).status == 0)
        #expect(try harness.eventually(60) { try status(harness).first?.contains("  Succeeded  ") == true })
    }
}
