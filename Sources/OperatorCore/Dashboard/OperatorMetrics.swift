/// The operator's own counters, kept by the reconcile loop (an actor, so plain values suffice) and written out as
/// Prometheus text by `OperatorMetricsText`. Cumulative since the operator started, as Prometheus expects.
struct OperatorMetrics: Sendable, Hashable {
    var passes = 0
    var failedPasses = 0
    /// Pass durations: a quiet pass takes milliseconds, one that starts processes or waits on slow proxies seconds.
    var passDuration = SecondsHistogram(bounds: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
    /// From a change stored by apply or delete to every proxy it reconfigured confirming it (what Istio calls proxy
    /// convergence time): the figure `bench/reconcile` measures from outside, here for every change.
    var propagation = SecondsHistogram(bounds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
    /// Actions the last pass planned: how much the loop still had to do (0 once converged).
    var lastPassActions = 0
    /// `PUT /config` sent to proxies, and those a proxy refused or did not answer.
    var configPushes = 0
    var configPushFailures = 0
    /// Of the pushes taken, those sent as a patch of the mesh tables (`PATCH /config`).
    var configPatches = 0
    /// Changes of split weights alone carried before the rest of their pass (ReconcileLoop+Weights.swift).
    var weightChangesCarried = 0

    mutating func recordPass(seconds: Double, actions: Int, failed: Bool) {
        passes += 1
        if failed { failedPasses += 1 }
        passDuration.record(seconds)
        lastPassActions = actions
    }

    mutating func recordPush(ok: Bool, patched: Bool = false) {
        configPushes += 1
        if !ok { configPushFailures += 1 }
        if ok && patched { configPatches += 1 }
    }
}
