import Foundation
import Testing

/// The README's first command, as a user runs it: a canary promoted, a faulty version rolled back, nothing lost.
@Suite("meshctl demo", .serialized)
struct DemoTests {
    @Test func theDemoPromotesTheGoodVersionRollsBackTheFaultyOneAndLosesNothing() throws {
        let result = try MeshctlRunner.run(["demo", "--connections", "8"], timeout: .seconds(150))
        #expect(result.status == 0, "\(result.stderr)")
        let out = result.stdout
        #expect(out.contains("canary v2: Succeeded"), "\(out)")
        #expect(out.contains("faulty v3: Failed"), "\(out)")
        #expect(out.contains(" 0 lost to the mesh"), "\(out)")
        #expect(out.contains("AnalysisFailed"), "\(out)")
        // After the rollback every answer came from the promoted version again, and the demo stopped what it started.
        let pid = out.split(separator: "\n").first { $0.contains("operator running (pid ") }
            .flatMap { $0.split(separator: "(pid ").last?.split(separator: ")").first }.flatMap { Int32($0) }
        let operatorPID = try #require(pid)
        #expect(kill(operatorPID, 0) != 0 || (try? String(contentsOfFile: "/proc/\(operatorPID)/stat", encoding: .utf8))?.contains(") Z ") == true)
    }
}
