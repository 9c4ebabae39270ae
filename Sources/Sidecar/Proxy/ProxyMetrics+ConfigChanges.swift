import Prometheus
import Synchronization

extension ProxyMetrics {
    /// How a configuration reached the proxy over its admin endpoint.
    enum ConfigChange: String {
        /// `PUT /config`: the whole document.
        case whole
        /// `PATCH /config`: the changed tables on top of the running version (`SidecarConfigPatch`).
        case patch
    }

    /// Counts a configuration the proxy now serves. `mesh_config_changes_total{how}` says whether a registration or
    /// a weight change reached it as a patch or cost it the whole document. The counter is made on the first change
    /// of its kind (a proxy that never took a whole document shows no `how="whole"` series) and kept: the
    /// registry's lookup by descriptor and labels cost a patch more than the counting.
    func countConfigChange(_ how: ConfigChange) {
        let counter = configChanges.withLock { counters in
            if let made = counters[how.rawValue] { return made }
            let made = registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    metricName: "mesh_config_changes", unitName: "total",
                    helpText: "Configurations swapped in over the admin endpoint, by how they came: whole (PUT /config) or patch (PATCH /config)."),
                labels: [("how", how.rawValue)])
            counters[how.rawValue] = made
            return made
        }
        counter.increment()
    }
}
