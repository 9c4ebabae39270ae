import ArgumentParser
import Foundation
import OperatorAPI
import OperatorCore

extension Meshctl {
    /// `meshctl down`: drains and stops everything the operator started, then the operator itself.
    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drain and stop every process the operator started, then the operator.")

        @OptionGroup var state: StateOptions

        func run() async throws {
            _ = try await state.send("POST", "/v1/shutdown")
            var lastCount = -1
            // Bounded: 600 × 100 ms; drains finish well within that.
            for _ in 0..<600 {
                guard let response = try? await state.client.send("GET", "/v1/status"), response.status == 200 else {
                    Console.out("operator stopped")
                    return
                }
                if let snapshot = try? JSONDecoder().decode(StatusSnapshot.self, from: Data(response.body)),
                   snapshot.processes.count != lastCount {
                    lastCount = snapshot.processes.count
                    Console.out("stopping: \(lastCount) process(es) left")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            Console.err("error: the operator is still running after 60s; see \(state.directory.operatorLogPath)")
            throw ExitCode(1)
        }
    }
}
