import Reconciler

/// One scrape of every proxy's `/metrics`, summed by service label, with the time it was taken (seconds on a
/// monotonic clock). Labels are as the proxies write them: `web` for the client side (gateway, outbound
/// listeners), `local:web` for the inbound side in front of web's replicas.
public struct MeshScrape: Codable, Sendable, Hashable {
    public var time: Double
    public var byLabel: [String: TrafficCounters]

    public init(time: Double, byLabel: [String: TrafficCounters] = [:]) {
        self.time = time
        self.byLabel = byLabel
    }

    /// Adds one proxy's metrics text.
    public mutating func add(metrics text: String) { add(metrics: Array(text.utf8)) }

    /// Adds one proxy's metrics, as the bytes of its `/metrics` body.
    public mutating func add(metrics body: [UInt8]) {
        for sample in PrometheusSample.parseNonZeroMesh(bytes: body) {
            guard let label = sample.labels["service"] else { continue }
            byLabel[label, default: TrafficCounters()].add(sample)
        }
    }

    /// The client side's counters of a service: what callers of it saw through the gateway and outbound listeners.
    public func clientSide(_ service: String) -> TrafficCounters { byLabel[service] ?? TrafficCounters() }

    /// The inbound side's counters of a service: its replicas' sidecars.
    public func serverSide(_ service: String) -> TrafficCounters { byLabel[MeshCompiler.localServiceName(service)] ?? TrafficCounters() }
}
