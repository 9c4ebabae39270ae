import Foundation
import Manifests
import MeshStore
import OperatorAPI
import Reconciler
import SidecarConfig

/// Derives each object's status from what was observed, in Kubernetes' shape: Ready, Progressing and Degraded
/// conditions with a CamelCase reason and a message a user can act on, without reading logs.
struct StatusBuilder {
    var instances: [ObservedInstance]
    var world: DesiredWorld
    var lastExit: [SlotID: String]
    var crashLooping: Set<SlotID>
    var rollouts: [String: RolloutRecord] = [:]

    func status(for object: ManifestObject, generation: Int64) -> ObjectStatusBody {
        switch object {
        case .service(let service):
            return serviceStatus(service, generation: generation)
        case .trafficSplit, .retryPolicy, .httpRouteGroup:
            return propagationStatus(generation: generation)
        case .rollout(let rollout):
            return rolloutStatus(rollout, generation: generation)
        }
    }

    private func serviceStatus(_ service: Service, generation: Int64) -> ObjectStatusBody {
        let name = service.metadata.name
        let endpoints = world.configurations[GatewayPlan.slot]?.service(named: name)?.endpoints ?? []
        guard case .command(let command) = service.spec.workload else {
            let reason = service.spec.workload == .none ? "SplitRoot" : "StaticEndpoints"
            let message = reason == "SplitRoot" ? "served by the backends of its TrafficSplit"
                : "\(endpoints.count) static endpoint(s)"
            return ObjectStatusBody(observedGeneration: generation, conditions: [
                Condition(type: "Ready", status: "True", reason: reason, message: message),
                Condition(type: "Progressing", status: "False", reason: "Stable", message: ""),
                Condition(type: "Degraded", status: "False", reason: "Healthy", message: ""),
            ], endpoints: endpoints)
        }
        let desired = world.processes.filter { $0.slot.service == name }
        var ready = 0
        var transitioning = false
        for replica in 0..<command.replicas {
            let slots = [SlotID(service: name, role: .workload, replica: replica),
                         SlotID(service: name, role: .sidecar, replica: replica)]
            let allReady = slots.allSatisfy { slot in
                guard let want = desired.first(where: { $0.slot == slot }) else { return false }
                return instances.contains { $0.slot == slot && $0.record.revision == want.revision && $0.isReady }
            }
            if allReady { ready += 1 }
            transitioning = transitioning || slots.contains { slot in
                instances.contains { $0.slot == slot && ($0.observed.state == .starting || $0.observed.state == .draining) }
            }
        }
        let crashes = crashLooping.filter { $0.service == name }.sorted()
        var conditions: [Condition] = []
        let (configured, proxies) = proxyConvergence()
        if ready == command.replicas && configured < proxies {
            // Replicas are up but some proxy does not route to them yet: not Ready until traffic can reach them.
            conditions.append(Condition(type: "Ready", status: "False", reason: "Propagating",
                                        message: "\(ready)/\(command.replicas) replicas ready; "
                                            + "\(configured)/\(proxies) proxies have the current endpoints"))
        } else if ready == command.replicas {
            conditions.append(Condition(type: "Ready", status: "True", reason: "ReplicasReady",
                                        message: "\(ready)/\(command.replicas) replicas ready"))
        } else if let crashed = crashes.first {
            conditions.append(Condition(type: "Ready", status: "False", reason: "CrashLoopBackOff",
                                        message: lastExit[crashed] ?? "\(crashed) keeps exiting"))
        } else {
            conditions.append(Condition(type: "Ready", status: "False", reason: "ReplicasNotReady",
                                        message: "\(ready)/\(command.replicas) replicas ready"))
        }
        conditions.append(transitioning
            ? Condition(type: "Progressing", status: "True", reason: "Reconciling",
                        message: "starting or draining replicas")
            : Condition(type: "Progressing", status: "False", reason: "Stable", message: ""))
        conditions.append(crashes.isEmpty
            ? Condition(type: "Degraded", status: "False", reason: "Healthy", message: "")
            : Condition(type: "Degraded", status: "True", reason: "CrashLoopBackOff",
                        message: crashes.map { lastExit[$0] ?? "\($0)" }.joined(separator: "; ")))
        return ObjectStatusBody(observedGeneration: generation, conditions: conditions, replicas: command.replicas,
                                readyReplicas: ready, endpoints: endpoints)
    }

    private func rolloutStatus(_ rollout: Rollout, generation: Int64) -> ObjectStatusBody {
        guard let record = rollouts[rollout.metadata.name] else {
            return ObjectStatusBody(observedGeneration: generation, conditions: [
                Condition(type: "Ready", status: "Unknown", reason: "Initializing",
                          message: "waiting for its services to run commands")
            ])
        }
        let machine = RolloutMachine(plan: RolloutPlan(rollout.spec), state: record.state)
        let summary = RolloutStatusSummary(name: rollout.metadata.name, machine: machine)
        var conditions = record.state.conditions.map {
            Condition(type: $0.type, status: $0.status.rawValue, reason: $0.reason, message: $0.message,
                      lastTransitionTime: Date(timeIntervalSince1970: $0.lastTransitionTime).formatted(.iso8601))
        }
        if !conditions.contains(where: { $0.type == "Ready" }) {
            let ready = [RolloutPhase.healthy, .succeeded].contains(summary.phase)
            conditions.insert(Condition(type: "Ready", status: ready ? "True" : "False", reason: summary.phase.rawValue,
                                        message: summary.message), at: 0)
        }
        let history = summary.steps.map { "\(Date(timeIntervalSince1970: $0.time).formatted(.iso8601)) \($0.summary)" }
        let view = RolloutView(
            phase: summary.phase.rawValue, message: summary.message, strategy: summary.strategy,
            revision: summary.revision, stableRevision: summary.stableRevision, step: summary.step,
            stepCount: summary.stepCount, stepDescription: summary.stepDescription,
            stableWeight: summary.weights.stable, canaryWeight: summary.weights.canary, confirmed: summary.confirmed,
            weightBar: summary.weightBar(width: 30), metrics: summary.metricLines, failedChecks: summary.failedChecks,
            threshold: summary.threshold, inconclusiveChecks: summary.inconclusiveChecks, history: history,
            waitingUntil: summary.waitingUntil.map { Date(timeIntervalSince1970: $0).formatted(.iso8601) })
        return ObjectStatusBody(observedGeneration: generation, conditions: conditions, rollout: view)
    }

    /// Splits, retry policies and route groups live in proxy configurations: applied once every ready proxy reports
    /// the configuration version that carries them.
    private func propagationStatus(generation: Int64) -> ObjectStatusBody {
        let (configured, proxies) = proxyConvergence()
        let done = configured == proxies
        return ObjectStatusBody(observedGeneration: generation, conditions: [
            Condition(type: "Ready", status: done ? "True" : "False", reason: done ? "Applied" : "Propagating",
                      message: "\(configured)/\(proxies) proxies report the current configuration"),
            Condition(type: "Progressing", status: done ? "False" : "True", reason: done ? "Stable" : "Propagating",
                      message: ""),
        ], proxiesConfigured: configured, proxies: proxies)
    }

    /// Ready proxies reporting their desired configuration version, out of all ready proxies.
    private func proxyConvergence() -> (configured: Int, proxies: Int) {
        let proxies = instances.filter { $0.slot.role != .workload && $0.isReady && world.configurations[$0.slot] != nil }
        let configured = proxies.filter { $0.observed.configVersion == world.configurations[$0.slot]?.version }.count
        return (configured, proxies.count)
    }
}

extension ObjectStatusBody {
    /// Keeps each condition's lastTransitionTime from the previous status when its status did not change.
    func carryingTransitionTimes(from previous: ObjectStatusBody?, now: String) -> ObjectStatusBody {
        var copy = self
        copy.conditions = conditions.map { condition in
            var condition = condition
            if let old = previous?.condition(condition.type), old.status == condition.status {
                condition.lastTransitionTime = old.lastTransitionTime
            } else {
                condition.lastTransitionTime = now
            }
            return condition
        }
        return copy
    }
}
