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
    var rollouts: [String: RolloutRecord]
    /// Why replicas that run are not ready (their `readinessProbe`), by workload slot.
    var notReady: [SlotID: String] = [:]
    /// Why each autoscaled Service has the count it has (`autoscale 1-3: 3 (61.0 rps at 20.0 per replica)`).
    var autoscale: [String: String] = [:]
    /// Routes the proxies degrade, by owning object.
    let degraded: DegradedObjects
    /// Worked out once per pass, not once per object: with 201 proxies and 100 Services, filtering every instance
    /// for every Service's status was the largest cost of the pass after a weight change.
    private let convergence: (configured: Int, proxies: Int)
    private let instancesBySlot: [SlotID: [ObservedInstance]]
    private let desiredBySlot: [SlotID: DesiredProcess]

    init(instances: [ObservedInstance], world: DesiredWorld, lastExit: [SlotID: String], crashLooping: Set<SlotID>,
         rollouts: [String: RolloutRecord] = [:]) {
        self.instances = instances
        self.world = world
        self.lastExit = lastExit
        self.crashLooping = crashLooping
        self.rollouts = rollouts
        degraded = DegradedObjects(instances: instances, world: world)
        instancesBySlot = Dictionary(grouping: instances, by: \.slot)
        desiredBySlot = Dictionary(world.processes.map { ($0.slot, $0) }, uniquingKeysWith: { first, _ in first })
        // Ready proxies reporting their desired configuration version, out of all ready proxies.
        var configured = 0
        var proxies = 0
        for instance in instances where instance.slot.role != .workload && instance.isReady {
            guard let desired = world.configurations[instance.slot] else { continue }
            proxies += 1
            if instance.observed.configVersion == desired.version { configured += 1 }
        }
        convergence = (configured, proxies)
    }

    func status(for object: ManifestObject, generation: Int64) -> ObjectStatusBody {
        switch object {
        case .service(let service):
            return serviceStatus(service, generation: generation)
        case .trafficSplit, .retryPolicy, .httpRouteGroup, .faultInjection, .httpRoute, .authorizationPolicy, .gateway,
             .gatewayClass, .rateLimit:
            return propagationStatus(of: object, generation: generation)
        case .rollout(let rollout):
            return rolloutStatus(rollout, generation: generation)
        }
    }

    private func serviceStatus(_ service: Service, generation: Int64) -> ObjectStatusBody {
        let name = service.metadata.name
        let endpoints = world.configurations[GatewayPlan.slot]?.service(named: name)?.endpoints ?? []
        let degradedRoute = degraded.finding(kind: .service, name: name)
        guard case .command(let command) = service.spec.workload else {
            let registers = service.spec.registration?.allowed == true
            let isSplitRoot = world.configurations[GatewayPlan.slot]?.splits.contains { $0.rootService == name } ?? false
            let reason = service.spec.workload != .none ? "StaticEndpoints"
                : registers && !isSplitRoot ? "Registration" : "SplitRoot"
            let message = switch reason {
            case "SplitRoot": "served by the backends of its TrafficSplit"
            case "Registration": "\(endpoints.count) registered instance(s)"
            default: "\(endpoints.count) endpoint(s)"
            }
            return ObjectStatusBody(observedGeneration: generation, conditions: [
                Condition(type: "Ready", status: "True", reason: reason, message: message),
                Condition(type: "Progressing", status: "False", reason: "Stable", message: ""),
                degradedRoute?.condition ?? Condition(type: "Degraded", status: "False", reason: "Healthy", message: ""),
            ], endpoints: endpoints)
        }
        var ready = 0
        var transitioning = false
        for replica in 0..<command.replicas {
            let slots = [SlotID(service: name, role: .workload, replica: replica),
                         SlotID(service: name, role: .sidecar, replica: replica)]
            let allReady = slots.allSatisfy { slot in
                guard let want = desiredBySlot[slot] else { return false }
                return instancesBySlot[slot, default: []].contains { $0.record.revision == want.revision && $0.isReady }
            }
            if allReady { ready += 1 }
            transitioning = transitioning || slots.contains { slot in
                instancesBySlot[slot, default: []].contains {
                    $0.observed.state == .starting || $0.observed.state == .draining
                }
            }
        }
        let crashes = crashLooping.filter { $0.service == name }.sorted()
        var conditions: [Condition] = []
        let (configured, proxies) = convergence
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
            let why = notReady.filter { $0.key.service == name }.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
            conditions.append(Condition(type: "Ready", status: "False", reason: "ReplicasNotReady",
                                        message: (["\(ready)/\(command.replicas) replicas ready"] + why).joined(separator: "; ")))
        }
        conditions.append(transitioning
            ? Condition(type: "Progressing", status: "True", reason: "Reconciling",
                        message: "starting or draining replicas")
            : Condition(type: "Progressing", status: "False", reason: "Stable", message: ""))
        if let note = autoscale[name] { conditions[0].message += "; " + note }
        if !crashes.isEmpty {
            conditions.append(Condition(type: "Degraded", status: "True", reason: "CrashLoopBackOff",
                                        message: crashes.map { lastExit[$0] ?? "\($0)" }.joined(separator: "; ")))
        } else {
            conditions.append(degradedRoute?.condition
                ?? Condition(type: "Degraded", status: "False", reason: "Healthy", message: ""))
        }
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
    /// the configuration version that carries them. A split or retry policy whose route some proxy degrades (it names
    /// a service their configuration lacks) is Degraded, saying which service and how many proxies.
    private func propagationStatus(of object: ManifestObject, generation: Int64) -> ObjectStatusBody {
        let (configured, proxies) = convergence
        let done = configured == proxies
        var conditions = [
            Condition(type: "Ready", status: done ? "True" : "False", reason: done ? "Applied" : "Propagating",
                      message: "\(configured)/\(proxies) proxies report the current configuration"),
            Condition(type: "Progressing", status: done ? "False" : "True", reason: done ? "Stable" : "Propagating",
                      message: ""),
        ]
        if let finding = degraded.finding(kind: object.kind, name: object.name) {
            conditions.append(finding.condition)
        }
        return ObjectStatusBody(observedGeneration: generation, conditions: conditions,
                                proxiesConfigured: configured, proxies: proxies)
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
