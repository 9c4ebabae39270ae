import NIOCore
import NIOPosix
import Prometheus
import TrafficPolicy

/// Sends copies of requests to a mirror service (HTTPRoute `RequestMirror`) and throws the answers away. The
/// primary request never waits for it: a copy goes out on a kept-alive connection of its own (`MirrorConnection`),
/// at most `maxInFlight` at a time per event loop, and a copy that finds them all busy is shed, not queued. Each copy is
/// counted by outcome in `mesh_mirror_requests_total{service,outcome}`: `sent` (an answer began), `shed` (no room,
/// no endpoint, or a body not at hand within the bound), `failed` (connect or send failed, or no answer in time).
final class MirrorSender {
    /// Copies in flight per loop; beyond, copies are shed.
    static let maxInFlight = 64
    /// A request body is mirrored only when it is at hand whole with the head and no larger than this.
    static let maxBodyBytes = 64 * 1024
    /// A copy's whole life: connect, send, first answer bytes.
    static let timeout = TimeAmount.seconds(5)

    private let eventLoop: any EventLoop
    private let registry: PrometheusCollectorRegistry
    private var counters: [String: (sent: Counter, shed: Counter, failed: Counter)] = [:]
    private(set) var inFlight = 0
    private var nextEndpoint = 0

    init(eventLoop: any EventLoop, registry: PrometheusCollectorRegistry) {
        self.eventLoop = eventLoop
        self.registry = registry
    }

    private func counter(_ service: String) -> (sent: Counter, shed: Counter, failed: Counter) {
        if let existing = counters[service] { return existing }
        func make(_ outcome: String) -> Counter {
            registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    metricName: "mesh_mirror_requests", unitName: "total",
                    helpText: "Request copies sent to a mirror service, by outcome (sent, shed, failed)."),
                labels: [("service", service), ("outcome", outcome)])
        }
        let made = (make("sent"), make("shed"), make("failed"))
        counters[service] = made
        return made
    }

    /// Counts a copy that could not be made (its body was not at hand within the bound).
    func shed(to service: ServiceState) { counter(service.name).shed.increment() }

    /// Sends `head` (the upstream head the proxy built, ending in a blank line) and `body` to one endpoint of
    /// `service`, on a kept-alive connection of this loop when one is idle, else on a new one that is kept for the
    /// next copy (at most `maxInFlight` connections are in use or idle per loop).
    func send(head: ByteBuffer, body: ByteBuffer?, to service: ServiceState) {
        let counters = counter(service.name)
        let candidates = service.endpoints.indices.filter { !service.unhealthy.contains($0) }
        guard inFlight < Self.maxInFlight, !candidates.isEmpty else {
            counters.shed.increment()
            return
        }
        let endpoint = service.endpoints[candidates[nextEndpoint % candidates.count]]
        guard let address = endpoint.socketAddress else {
            counters.shed.increment()
            return
        }
        nextEndpoint &+= 1
        var request = head
        if var body { request.writeBuffer(&body) }
        let isHead = head.readableBytesView.starts(with: "HEAD ".utf8)
        let key = "\(service.name)|\(endpoint.address)"
        inFlight += 1
        let finished: (Bool, Bool) -> Void = { [self] answered, _ in
            inFlight -= 1
            if answered { counters.sent.increment() } else { counters.failed.increment() }
        }
        if let connection = takeIdle(key) {
            dispatch(connection, request, isHead: isHead, finished)
            return
        }
        let connection = MirrorConnection(key: key)
        ClientBootstrap(group: eventLoop)
            .connectTimeout(Self.timeout)
            .channelInitializer { [upstreamTLS = endpoint.upstreamTLS] channel in
                channel.eventLoop.makeCompletedFuture {
                    // A mesh sidecar is spoken to with mTLS, as the primary's connections are (a strict one would
                    // refuse plaintext copies).
                    if let upstreamTLS, let tls = try upstreamTLS.clientHandler() {
                        try channel.pipeline.syncOperations.addHandler(tls)
                    }
                    try channel.pipeline.syncOperations.addHandler(connection)
                }
            }
            .connect(to: address)
            .whenComplete { [self] result in
                switch result {
                case .success: dispatch(connection, request, isHead: isHead, finished)
                case .failure: finished(false, false)
                }
            }
    }

    /// Idle kept-alive connections by `service|endpoint`; they leave the list when taken or closed.
    private var idle: [String: [MirrorConnection]] = [:]

    private func takeIdle(_ key: String) -> MirrorConnection? {
        while let connection = idle[key]?.popLast() {
            if connection.channel?.isActive == true { return connection }
        }
        return nil
    }

    private func dispatch(_ connection: MirrorConnection, _ request: ByteBuffer, isHead: Bool,
                          _ finished: @escaping (Bool, Bool) -> Void) {
        connection.send(request, isHead: isHead, timeout: Self.timeout) { [self] answered, reusable in
            finished(answered, reusable)
            guard reusable else { return }
            if idle.values.reduce(0, { $0 + $1.count }) < Self.maxInFlight {
                idle[connection.key, default: []].append(connection)
            } else {
                connection.channel?.close(promise: nil)
            }
        }
    }
}

