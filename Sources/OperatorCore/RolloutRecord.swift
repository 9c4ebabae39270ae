import Foundation
import Manifests
import Reconciler

/// What the operator keeps per rollout, in the store: the machine's state, the workload of every revision the stable
/// side may have to run (to promote, roll back or undo), and the counters at the start of the open analysis window.
struct RolloutRecord: Codable, Sendable {
    struct Workload: Codable, Sendable, Hashable {
        var argv: [String]
        var env: [String: String]
        var replicas: Int
        /// Absent in records from before `workingDir`.
        var workingDir: String?

        init(_ command: Service.Command) {
            argv = command.argv
            env = command.env
            replicas = command.replicas
            workingDir = command.workingDir
        }

        var command: Service.Command {
            Service.Command(argv: argv, replicas: replicas, env: env, workingDir: workingDir)
        }

        /// The revision a rollout talks about: a digest of what the workload runs.
        var revision: String {
            "rev-" + String(PortBook.digest(["argv"] + argv + ["env"] + env.sorted { $0.key < $1.key }
                .flatMap { [$0.key, $0.value] } + (workingDir.map { ["workingDir", $0] } ?? [])).prefix(10))
        }
    }

    var state: RolloutState
    var workloads: [String: Workload]
    var windowCounters: ServiceCounters?
}
