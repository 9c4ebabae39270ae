import Prometheus

extension ProxyMetrics {
    /// How a configuration reached the proxy over its admin endpoint.
    enum ConfigChange: String {
        /// `PUT /config`: the whole document.
        case whole
        /// `PATCH /config`: the changed tables on top of the running version (`SidecarConfigPatch`).
        case patch
    }

    /// Counts a configuration the proxy now serves. `mesh_config_changes_total{how}` says whether a registration or
    /// a weight change reached it as a patch or cost it the whole document (the registry hands back the same
    /// counter for the same labels, so nothing is made per call beyond a lookup).
    func countConfigChange(_ how: ConfigChange) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "mesh_config_changes", unitName: "total",
                helpText: "Configurations swapped in over the admin endpoint, by how they came: whole (PUT /config) or patch (PATCH /config)."),
            labels: [("how", how.rawValue)]
        ).increment()
    }
}
