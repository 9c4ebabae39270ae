import ArgumentParser
import DurationText
import Foundation
import OperatorAPI
import OperatorCore
import ProxyCommand
import Reconciler

extension Meshctl {
    /// `meshctl rollout status|promote|abort|pause|resume|retry|undo NAME`.
    struct RolloutCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rollout",
            abstract: "Watch and steer progressive delivery.",
            subcommands: [RolloutStatus.self, RolloutPromote.self, RolloutAbort.self, RolloutPause.self,
                          RolloutResume.self, RolloutRetry.self, RolloutUndo.self])
    }

    struct RolloutStatus: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status", abstract: "Phase, step, weights, metrics against thresholds, and history.")

        @OptionGroup var state: StateOptions

        @Argument(help: "The rollout's name.")
        var name: String

        @Flag(help: "Keep watching: redraw in place on a terminal, one line per change when piped.")
        var watch = false

        @Option(help: "With --watch: stop after this long, e.g. 5m (default: until ^C).")
        var timeout: String?

        func validate() throws {
            if let timeout { _ = try Duration.flag("--timeout", timeout) }
        }

        func run() async throws {
            let deadline = timeout.flatMap(Duration.parse).map { ContinuousClock.now + $0 }
            let terminal = isatty(STDOUT_FILENO) == 1
            var lastLines: [String] = []
            repeat {
                let view = try await fetch()
                let lines = RolloutStatusView.lines(name: name, view: view)
                if !watch {
                    lines.forEach { Console.out($0) }
                    return
                }
                if terminal {
                    Console.out("\u{1B}[H\u{1B}[2J" + lines.joined(separator: "\n"))
                } else if let line = RolloutStatusView.summaryLine(view), line != lastLines.first {
                    Console.out(Date().formatted(.iso8601) + " " + line)
                    lastLines = [line]
                }
                if let phase = view?.phase, ["Succeeded", "Failed", "Aborted"].contains(phase), !terminal, timeout == nil {
                    return  // piped and finished: a script waiting on the rollout gets its answer
                }
                try await Task.sleep(for: .milliseconds(500))
            } while deadline.map { ContinuousClock.now < $0 } ?? true
        }

        private func fetch() async throws -> RolloutView? {
            let response = try await state.send("GET", "/v1/objects?kind=Rollout&name=\(name)")
            guard response.status == 200 else {
                Console.err("error: rollout \"\(name)\" not found")
                throw ExitCode(1)
            }
            return await state.client.rolloutView(named: name)
        }
    }
}

/// Text for `meshctl rollout status`.
enum RolloutStatusView {
    /// - Parameter now: wall-clock seconds, for the countdown to `waitingUntil`.
    static func lines(name: String, view: RolloutView?, now: Date = Date()) -> [String] {
        guard let view else { return ["rollout/\(name): waiting for the operator to start it"] }
        var lines = ["rollout/\(name)  \(view.phase)  (\(view.strategy))"]
        if !view.message.isEmpty { lines.append("  \(view.message)") }
        if let text = view.waitingUntil, let until = try? Date(text, strategy: .iso8601) {
            lines.append("  next    " + HumanTime.deadline(until.timeIntervalSince1970, now: now.timeIntervalSince1970))
        }
        if let step = view.step {
            lines.append("  step    \(step)/\(view.stepCount)" + (view.stepDescription.map { ": \($0)" } ?? ""))
        }
        lines.append("  weights \(view.weightBar)  (stable/new)")
        lines.append("  revision \(view.revision ?? "-")  stable \(view.stableRevision)")
        let threshold = view.threshold.map { "/\($0)" } ?? ""
        lines.append("  checks  failed \(view.failedChecks)\(threshold)  inconclusive \(view.inconclusiveChecks)")
        for metric in view.metrics { lines.append("  metric  \(metric)") }
        if !view.history.isEmpty {
            lines.append("  history")
            for entry in view.history.suffix(8) { lines.append("    \(historyLine(entry))") }
        }
        return lines
    }

    /// `2026-12-06T06:28:54Z setWeight 20` (as the API carries it) read as `06:28:54 setWeight 20`, local time.
    static func historyLine(_ entry: String) -> String {
        guard let space = entry.firstIndex(of: " ") else { return entry }
        return HumanTime.timeOfDay(rfc3339: String(entry[..<space])) + entry[space...]
    }

    static func summaryLine(_ view: RolloutView?) -> String? {
        guard let view else { return nil }
        let step = view.step.map { " step \($0)/\(view.stepCount)" } ?? ""
        let metrics = view.metrics.isEmpty ? "" : " | " + view.metrics.joined(separator: "; ")
        return "\(view.phase)\(step) weights \(view.stableWeight)/\(view.canaryWeight)"
            + (view.confirmed ? "" : " (confirming)") + metrics + (view.message.isEmpty ? "" : " — \(view.message)")
    }
}
