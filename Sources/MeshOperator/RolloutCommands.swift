import ArgumentParser
import Foundation
import OperatorAPI
import OperatorCore

/// The rollout commands, one type each so that `meshctl rollout promote NAME` reads as in Argo Rollouts.
struct RolloutCommandOptions: ParsableArguments {
    @OptionGroup var state: StateOptions

    @Argument(help: "The rollout's name.")
    var name: String

    func send(_ command: String, full: Bool = false) async throws {
        let response = try await state.send("POST", "/v1/rollouts/\(name)/\(command)" + (full ? "?full=true" : ""))
        guard response.status == 200 else {
            let message = (try? JSONDecoder().decode([String: String].self, from: Data(response.body)))?["error"]
            Console.err("error: " + (message ?? String(decoding: response.body, as: UTF8.self)))
            throw ExitCode(1)
        }
        Console.out("rollout/\(name) \(command)\(full ? " --full" : "") accepted")
    }
}

extension Meshctl {
    struct RolloutPromote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "promote", abstract: "Move on: past the current pause or gate; --full skips every remaining step and analysis.")

        @OptionGroup var options: RolloutCommandOptions

        @Flag(help: "Skip every remaining step and analysis.")
        var full = false

        func run() async throws { try await options.send("promote", full: full) }
    }

    struct RolloutAbort: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "abort", abstract: "Stop the rollout and return all traffic to stable (after checking stable is healthy).")

        @OptionGroup var options: RolloutCommandOptions

        func run() async throws { try await options.send("abort") }
    }

    struct RolloutPause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pause", abstract: "Hold the rollout at its current step and weights.")

        @OptionGroup var options: RolloutCommandOptions

        func run() async throws { try await options.send("pause") }
    }

    struct RolloutResume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "resume", abstract: "Continue a paused rollout.")

        @OptionGroup var options: RolloutCommandOptions

        func run() async throws { try await options.send("resume") }
    }

    struct RolloutRetry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "retry", abstract: "Start a failed or aborted rollout again, without a spec change.")

        @OptionGroup var options: RolloutCommandOptions

        func run() async throws { try await options.send("retry") }
    }

    struct RolloutUndo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "undo", abstract: "Roll the stable side back to the previous revision.")

        @OptionGroup var options: RolloutCommandOptions

        func run() async throws { try await options.send("undo") }
    }
}
