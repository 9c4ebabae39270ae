import Foundation
import OperatorAPI
import Reconciler

/// The operator's `/metrics` in the Prometheus text format (0.0.4): its own work, not the proxies' traffic (each
/// proxy serves that on its admin port). Everything comes from memory and one read of the stored Rollouts, so a
/// scrape costs well under a millisecond (docs/performance.md).
enum OperatorMetricsText {
    static let processRoles = ["gateway", "sidecar", "workload"]
    static let processStates = ["starting", "ready", "draining", "exited"]

    static func render(_ inputs: ReconcileLoop.DashboardInputs, rollouts: [RolloutTargets], dashboardSamples: Int)
        -> String
    {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
            let body = labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",")
            out += labels.isEmpty ? name : "\(name){\(body)}"
            out += " \(format(value))\n"
        }
        let metrics = inputs.metrics
        family("mesh_operator_reconcile_passes_total", "counter", "Reconcile passes run.")
        sample("mesh_operator_reconcile_passes_total", [], Double(metrics.passes))
        family("mesh_operator_reconcile_errors_total", "counter", "Passes that failed (the next one retries).")
        sample("mesh_operator_reconcile_errors_total", [], Double(metrics.failedPasses))
        family("mesh_operator_reconcile_duration_seconds", "histogram", "Duration of one reconcile pass.")
        metrics.passDuration.samples("mesh_operator_reconcile_duration_seconds", format: format, sample)
        family("mesh_operator_config_propagation_seconds", "histogram",
               "From a change stored by apply or delete to every proxy it reconfigured confirming it.")
        metrics.propagation.samples("mesh_operator_config_propagation_seconds", format: format, sample)
        family("mesh_operator_pending_triggers", "gauge",
               "Triggers (apply, process exit, command) waiting for the next pass: 0 or 1, they coalesce.")
        sample("mesh_operator_pending_triggers", [], inputs.pendingKick ? 1 : 0)
        family("mesh_operator_last_pass_actions", "gauge", "Actions the last pass planned (0 once converged).")
        sample("mesh_operator_last_pass_actions", [], Double(metrics.lastPassActions))
        family("mesh_operator_config_pushes_total", "counter", "Configurations sent to proxies (PUT /config).")
        sample("mesh_operator_config_pushes_total", [], Double(metrics.configPushes))
        family("mesh_operator_config_push_failures_total", "counter", "Configurations a proxy refused or did not take.")
        sample("mesh_operator_config_push_failures_total", [], Double(metrics.configPushFailures))
        family("mesh_operator_config_patches_total", "counter",
               "Configurations a proxy took as a patch of its splits, retry policies and changed services (PATCH /config).")
        sample("mesh_operator_config_patches_total", [], Double(metrics.configPatches))
        family("mesh_operator_weight_changes_carried_total", "counter",
               "Changes of TrafficSplit weights alone pushed, and their status written, before the rest of their pass.")
        sample("mesh_operator_weight_changes_carried_total", [], Double(metrics.weightChangesCarried))

        family("mesh_operator_processes", "gauge", "Processes the operator runs, by role and state.")
        var counts: [String: Int] = [:]
        for process in inputs.processes {
            let state = process.state.hasPrefix("exited") ? "exited" : process.state
            counts["\(process.role)/\(state)", default: 0] += 1
        }
        for role in processRoles {
            for state in processStates {
                sample("mesh_operator_processes", [("role", role), ("state", state)],
                       Double(counts["\(role)/\(state)"] ?? 0))
            }
        }

        family("mesh_operator_rollout_phase", "gauge", "1 for the rollout's current phase, 0 for the others.")
        let known = rollouts.filter { inputs.rollouts[$0.name] != nil }.sorted { $0.name < $1.name }
        for target in known {
            let phase = inputs.rollouts[target.name]!.phase
            for candidate in RolloutPhase.allCases {
                sample("mesh_operator_rollout_phase", [("rollout", target.name), ("phase", candidate.rawValue)],
                       candidate == phase ? 1 : 0)
            }
        }
        family("mesh_operator_rollout_weight", "gauge",
               "Percent of the split's traffic the rollout sends to each side (as configured now).")
        for target in known {
            let weights = inputs.rollouts[target.name]!.desiredWeights
            sample("mesh_operator_rollout_weight",
                   [("rollout", target.name), ("backend", target.stableService), ("side", "stable")],
                   Double(weights.stable))
            sample("mesh_operator_rollout_weight",
                   [("rollout", target.name), ("backend", target.newService), ("side", "canary")],
                   Double(weights.canary))
        }
        family("mesh_operator_dashboard_samples_total", "counter", "Scrapes of every proxy taken for the dashboard.")
        sample("mesh_operator_dashboard_samples_total", [], Double(dashboardSamples))
        return out
    }

    /// Integers without a fraction (counters read better), others in full.
    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
