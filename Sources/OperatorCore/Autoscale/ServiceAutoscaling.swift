import Manifests

/// The autoscalers of every autoscaled Service, and their last decisions: each pass asks it for the counts to
/// plan with. Samples are taken at most once a second (`ReplicaAutoscaler.minimumSampleInterval`); between them the
/// last decision holds. No clock and no I/O of its own: the caller passes `now` and the count source.
struct ServiceAutoscaling: Sendable {
    /// What one autoscaled Service looks like this pass.
    struct Target: Sendable {
        var name: String
        var policy: Service.Autoscale
        /// Replica slots running now (not draining): where a new autoscaler starts.
        var running: Int
        /// Its ready sidecars (instance id, admin port): where the requests are counted.
        var sidecars: [(id: String, adminPort: Int)]
    }

    private(set) var scalers: [String: ReplicaAutoscaler] = [:]
    private(set) var decisions: [String: ReplicaAutoscaler.Decision] = [:]

    /// Decides every target's count (sampling those due when `sample` is set); returns the decisions that changed
    /// the count since the last pass, for events. Services no longer autoscaled are forgotten.
    mutating func step(_ targets: [Target], source: some RequestCountSource, now: Double, sample: Bool) async
        -> [(service: String, from: Int, decision: ReplicaAutoscaler.Decision)]
    {
        var changed: [(service: String, from: Int, decision: ReplicaAutoscaler.Decision)] = []
        for target in targets {
            var scaler = scalers[target.name] ?? ReplicaAutoscaler(current: target.running, policy: target.policy)
            let before = decisions[target.name]?.replicas ?? scaler.replicas
            let decision: ReplicaAutoscaler.Decision
            if sample && scaler.isDue(now: now) {
                let counts = await source.requestCounts(service: target.name, sidecars: target.sidecars)
                decision = scaler.sample(counts: counts, now: now, policy: target.policy)
            } else if let last = decisions[target.name], last.replicas >= target.policy.min,
                      last.replicas <= target.policy.max {
                decision = last
            } else {
                decision = scaler.decide(now: now, policy: target.policy)  // new, or its range changed
            }
            if decision.replicas != before { changed.append((target.name, before, decision)) }
            scalers[target.name] = scaler
            decisions[target.name] = decision
        }
        let names = Set(targets.map(\.name))
        scalers = scalers.filter { names.contains($0.key) }
        decisions = decisions.filter { names.contains($0.key) }
        return changed
    }
}
