import NIOCore
import NIOPosix
import Prometheus
import TrafficPolicy

/// Sends copies of requests to mirror endpoints and throws the answers away, on the mirror event loop
/// (`MirrorHandoff` resolves them on the primary's loop and hands them over). The primary request never waits for
/// it: a copy goes out on a kept-alive connection of its own (`MirrorConnection`), at most `maxInFlight` at a time
/// per primary loop, and a copy that finds them all busy is shed, not queued. Each copy is counted by outcome in
/// `mesh_mirror_requests_total{service,outcome}`: `sent` (an answer began), `shed` (no room, no endpoint, or a body
/// over the bound), `failed` (connect or send failed, or no answer in time).
///
/// Unchecked Sendable: it is handed to its loop and touched only there.
final class MirrorSender: @unchecked Sendable {
    /// Copies in flight per primary loop; beyond, copies are shed.
    static let maxInFlight = 64
    /// A request body (as framed: Content-Length bytes, or chunks) is mirrored up to this size.
    static let maxBodyBytes = 64 * 1024
    /// A copy's whole life: connect, send, first answer bytes.
    static let timeout = TimeAmount.seconds(5)

    let eventLoop: any EventLoop
    private let counters: MirrorCounters
    private(set) var inFlight = 0

    init(eventLoop: any EventLoop, registry: PrometheusCollectorRegistry) {
        self.eventLoop = eventLoop
        self.counters = MirrorCounters(registry: registry)
    }

    /// Sends each copy on a kept-alive connection to its endpoint when one is idle, else on a new one that is kept
    /// for the next copy (at most `maxInFlight` connections are in use or idle).
    func send(_ copies: [MirrorCopy]) {
        for copy in copies { send(copy) }
    }

    private func send(_ copy: MirrorCopy) {
        let counters = counters[copy.service]
        guard inFlight < Self.maxInFlight else {
            counters.shed.increment()
            return
        }
        inFlight += 1
        startSweeping()
        let finished: (Bool, Bool) -> Void = { [self] answered, _ in
            inFlight -= 1
            if answered { counters.sent.increment() } else { counters.failed.increment() }
        }
        if let connection = takeIdle(copy.key) {
            dispatch(connection, copy.request, isHead: copy.isHead, finished)
            return
        }
        let connection = MirrorConnection(key: copy.key)
        connections.append(connection)
        ClientBootstrap(group: eventLoop)
            .connectTimeout(Self.timeout)
            .channelInitializer { [upstreamTLS = copy.tls] channel in
                channel.eventLoop.makeCompletedFuture {
                    // A mesh sidecar is spoken to with mTLS, as the primary's connections are (a strict one would
                    // refuse plaintext copies).
                    if let upstreamTLS { _ = try upstreamTLS.addHandlers(to: channel.pipeline.syncOperations, batch: nil) }
                    try channel.pipeline.syncOperations.addHandler(connection)
                }
            }
            .connect(to: copy.address)
            .whenComplete { [self] result in
                switch result {
                case .success: dispatch(connection, copy.request, isHead: copy.isHead, finished)
                case .failure:
                    connections.removeAll { $0 === connection }
                    finished(false, false)
                }
            }
    }

    /// Idle kept-alive connections by service and endpoint; they leave the list when taken or closed.
    private var idle: [MirrorCopy.Key: [MirrorConnection]] = [:]
    /// Every connection opened and not yet seen closed (at most `maxInFlight` busy and `maxInFlight` idle): what the
    /// sweep looks through for copies past their time.
    private var connections: [MirrorConnection] = []
    private var sweep: RepeatedTask?
    /// How often copies are checked against their timeout: a copy ends between `timeout` and `timeout` + this.
    static let sweepInterval = TimeAmount.milliseconds(500)

    /// Runs the timeout sweep while copies are in flight (an idle proxy does not wake up for it).
    private func startSweeping() {
        guard sweep == nil else { return }
        sweep = eventLoop.scheduleRepeatedTask(initialDelay: Self.sweepInterval, delay: Self.sweepInterval) { [self] _ in
            let now = NIODeadline.now().uptimeNanoseconds
            for connection in connections { connection.expireIfDue(now: now) }
            // Closed ones (`channel` is cleared when it goes inactive); one still connecting keeps its channel.
            connections.removeAll { !$0.isBusy && $0.channel == nil }
            if inFlight == 0 {
                sweep?.cancel()
                sweep = nil
            }
        }
    }

    private func takeIdle(_ key: MirrorCopy.Key) -> MirrorConnection? {
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
