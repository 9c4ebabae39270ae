import Foundation
import Testing

/// A crash-looping replica's backoff outlives the operator: killed and started again in the middle of a long wait,
/// the operator keeps waiting instead of restarting the replica at once.
@Suite("restart backoff survives an operator restart", .serialized)
struct BackoffRestartEndToEndTests {
    @Test func aRestartedOperatorWaitsOutTheBackoffTheLastOneStarted() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        try harness.write("crashy.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: crashy}
            spec:
              port: \(OperatorHarness.freePort())
              command: [/bin/sh, -c, "echo boom; exit 1"]

            """)
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        let log = harness.stateDirectory + "/logs/crashy_workload_0.log"
        func runs() -> Int {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0 == "boom" }.count
        }
        // Exits 1, 2, 3, 4, 5 restart at once and after 1, 2, 4 and then 8 s: kill the operator early in that 8 s wait.
        #expect(harness.eventually(30) { runs() >= 5 })
        Thread.sleep(forTimeInterval: 1)  // the exit is noted (and its backoff stored) within a pass
        try #require(runs() == 5, "expected to be inside the 8 s wait")
        harness.crashOperator()
        try harness.start()
        Thread.sleep(forTimeInterval: 3)
        #expect(runs() == 5, "the restarted operator started the replica again at once")
        #expect(harness.eventually(15) { runs() == 6 }, "and it does restart it once the wait is over")
    }
}
