import Foundation
import Testing

/// A canary of a gRPC service, end to end with real grpcio processes: the analysis reads the gRPC status (a call
/// answered HTTP 200 with `grpc-status: 14` failed), so a canary failing 20 % of its calls is rolled back, and a
/// healthy one is promoted while a steady client on one channel sees no failed call.
@Suite("gRPC canary end to end", .serialized)
struct GRPCCanaryEndToEndTests {
    /// A grpcio client on one channel to the gateway's port of `api`, calling until `finish()` (bounded).
    final class SteadyClient {
        let process: ChildProcess
        let stopFile: String
        /// Everything it printed, kept once it has finished (failures' first times, `first HH:MM:SS CODE:details`).
        private(set) var transcript = ""

        init(port: Int, script: String, maxCalls: Int = 1_000_000) throws {
            stopFile = FileManager.default.temporaryDirectory.appendingPathComponent("stop-\(UUID().uuidString)").path
            process = try ChildProcess(ChildProcess.python, [script, String(port), stopFile, String(maxCalls)])
        }

        /// Stops the calls and returns the summary line (`ok N failed M versions … errors …`).
        func finish() throws -> String {
            FileManager.default.createFile(atPath: stopFile, contents: nil)
            defer {
                transcript = process.output
                process.stop()
                try? FileManager.default.removeItem(atPath: stopFile)
            }
            return try process.line(startingWith: "ok ", timeout: .seconds(30))
        }

        static func count(_ field: String, in summary: String) -> Int? {
            let words = summary.split(separator: " ")
            guard let index = words.firstIndex(of: Substring(field)), index + 1 < words.count else { return nil }
            return Int(words[index + 1])
        }
    }

    @Test func aCanaryFailingOneCallInFiveIsRolledBackAndAHealthyOneIsPromotedWithNoFailedCall() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let server = harness.directory + "/grpc-server.py"
        let client = harness.directory + "/grpc-client.py"
        try GRPCCanaryMesh.server.write(toFile: server, atomically: true, encoding: .utf8)
        try GRPCCanaryMesh.client.write(toFile: client, atomically: true, encoding: .utf8)
        let (root, primary, canary) =
            (OperatorHarness.freePort(), OperatorHarness.freePort(), OperatorHarness.freePort())
        func apply(_ version: String, failShare: Double) throws {
            try harness.write("mesh.yaml", GRPCCanaryMesh.manifests(
                root: root, primary: primary, canary: canary, script: server, canaryVersion: version,
                canaryFailShare: failShare))
            let result = try harness.meshctl(["apply", "-f", harness.manifests])
            #expect(result.status == 0, "\(result.stderr)")
        }
        func status() throws -> [String] {
            try harness.meshctl(["rollout", "status", "api"]).stdout.split(separator: "\n").map(String.init)
        }

        try apply("v1", failShare: 0)
        var probed = ""
        let answered = try harness.eventually(60) {
            let probe = try SteadyClient(port: root, script: client, maxCalls: 1)
            _ = probe.process.exitStatus(within: .seconds(20))
            probed = probe.process.output
            return (try? probe.finish())?.hasPrefix("ok 1 ") == true
        }
        let log = (try? String(contentsOfFile: harness.directory + "/operator.out", encoding: .utf8)) ?? ""
        try #require(answered, "the gateway never answered a gRPC call: \(probed)\n\((try? status()) ?? [])\n\(log.suffix(3000))")

        // v2 fails every fifth call with UNAVAILABLE (HTTP 200, grpc-status 14): the analysis must see it and roll back.
        let failing = try SteadyClient(port: root, script: client)
        try apply("v2", failShare: 0.2)
        var lines: [String] = []
        let rolledBack = try harness.eventually(90) {
            lines = try status()
            return lines.first?.contains("  Failed  ") == true
        }
        let failingSummary = try failing.finish()
        try #require(rolledBack, "\(lines)\n\(failingSummary)")
        #expect(lines.contains { $0.contains("AnalysisFailed: 3/3 failed checks: request-success-rate") }, "\(lines)")
        #expect(failingSummary.contains("v2="), "the canary took calls before the rollback: \(failingSummary)")
        #expect(failingSummary.contains("UNAVAILABLE:flaky v2"), "\(failingSummary)")
        #expect(lines.contains { $0.hasPrefix("  weights ") && $0.contains("100/0") }, "\(lines)")

        // v3 is healthy: promoted, and a client calling all along (through the weight moves and the stable's
        // replacement by v3) sees no failed call.
        let steady = try SteadyClient(port: root, script: client)
        try apply("v3", failShare: 0)
        let promoted = try harness.eventually(120) {
            lines = try status()
            return lines.first?.contains("  Succeeded  ") == true
        }
        // Calls keep going a little after the promotion, so the stable's replacement is inside the window.
        Thread.sleep(forTimeInterval: 3)
        let summary = try steady.finish()
        try #require(promoted, "\(lines)\n\(summary)")
        // Not one failed call: weights move to a side only once its replaced replicas stopped draining, so not even
        // the rolled-back canary's old replica gets a call (it did before: `ReconcileLoop.serviceRunning`).
        #expect(SteadyClient.count("failed", in: summary) == 0, "\(summary)\n\(steady.transcript)\n\(lines)")
        #expect((SteadyClient.count("ok", in: summary) ?? 0) > 100, "\(summary)")
        #expect(summary.contains("v3="), "\(summary)")
    }
}
