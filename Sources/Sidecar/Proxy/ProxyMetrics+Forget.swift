import Prometheus
import SidecarConfig
import Synchronization

/// The series one endpoint has in the registry (the registry hands out one object per name and labels, so every
/// event loop's copy of an endpoint shares them).
struct EndpointSeries: Sendable {
    var counters: [ObjectIdentifier: Counter] = [:]
    var gauges: [ObjectIdentifier: Gauge] = [:]
}

extension EndpointState {
    /// An endpoint's identity across configurations: the same service and address are the same endpoint.
    static func key(service: String, address: HostPort) -> String { "\(service)|\(address)" }
}

extension ProxyMetrics {
    /// Notes series made for the endpoint `key`.
    func remember(_ key: String, counters: [Counter], gauges: [Gauge]) {
        endpointSeries.withLock { table in
            for counter in counters { table[key, default: EndpointSeries()].counters[ObjectIdentifier(counter)] = counter }
            for gauge in gauges { table[key, default: EndpointSeries()].gauges[ObjectIdentifier(gauge)] = gauge }
        }
    }

    /// Takes every endpoint that `config` no longer names out of the registry. Endpoints come and go with replicas
    /// (a new revision listens on new ports), and each one's nine or more series stayed in `/metrics` for the proxy's
    /// life: a gateway in front of a deploying mesh grew by them without bound (issue 13's chaos soak). A request
    /// still in flight on a forgotten endpoint counts into a series that is no longer shown.
    func forgetEndpoints(notIn config: SidecarConfiguration) {
        var live = Set<String>()
        for service in config.services {
            for address in service.endpoints.compactMap(HostPort.init(parsing:)) {
                live.insert(EndpointState.key(service: service.name, address: address))
            }
        }
        let gone = endpointSeries.withLock { table in
            let keys = table.keys.filter { !live.contains($0) }
            return keys.compactMap { table.removeValue(forKey: $0) }
        }
        unregister(gone)
    }

    /// Takes the series of exactly these endpoints (`EndpointState.key`) out: what a `PATCH /config` removes, without
    /// walking every endpoint of the mesh (parsing and keying them all was a sixth of a services patch's cost).
    func forgetEndpoints(_ keys: [String]) {
        guard !keys.isEmpty else { return }
        unregister(endpointSeries.withLock { table in keys.compactMap { table.removeValue(forKey: $0) } })
    }

    private func unregister(_ gone: [EndpointSeries]) {
        for series in gone {
            for counter in series.counters.values { registry.unregisterCounter(counter) }
            for gauge in series.gauges.values { registry.unregisterGauge(gauge) }
        }
    }
}
