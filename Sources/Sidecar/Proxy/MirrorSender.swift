import NIOCore
import NIOPosix
import Prometheus
import TrafficPolicy

/// Sends copies of requests to mirror endpoints and throws the answers away, on the mirror event loop
/// (`MirrorHandoff` resolves them on the primary's loop and hands them over). The primary request never waits for
/// it: copies go out pipelined on kept-alive connections of their own (`MirrorConnection`), at most `maxInFlight` at
/// a time, and a copy that finds no room is shed, not queued. Each
/// copy is counted by outcome in `mesh_mirror_requests_total{service,outcome}`: `sent` (an answer began), `shed` (no
/// room, no endpoint, or a body over the bound), `failed` (connect or send failed, or no answer in time).
///
/// Unchecked Sendable: it is handed to its loop and touched only there.
final class MirrorSender: @unchecked Sendable {
    /// Copies in flight (written or waiting for their connection, not yet answered) per mirror thread; beyond, copies
    /// are shed. Room for five of h2load's 50-connection bursts (session 16: 64 shed 1.4-3 % of copies on a quiet
    /// machine at 10,000 copies/s, the thread a burst or two behind); with pipelining an in-flight copy costs a
    /// buffer reference and 16 bytes, not a connection.
    static let maxInFlight = 256
    /// Connections per mirror endpoint (busy, idle or connecting).
    static let maxConnections = 16
    /// Copies pipelined on one connection; a handoff with more for one endpoint fills the next connection.
    static let maxPipelined = 32
    /// A request body (as framed: Content-Length bytes, or chunks) is mirrored up to this size.
    static let maxBodyBytes = 64 * 1024
    /// A copy's whole life: connect, send, first answer bytes.
    static let timeout = TimeAmount.seconds(5)
    /// How often copies are checked against their timeout: a copy ends between `timeout` and `timeout` + this.
    static let sweepInterval = TimeAmount.milliseconds(500)

    let eventLoop: any EventLoop
    private let counters: MirrorCounters
    private(set) var inFlight = 0
    /// Every connection opened and not yet closed, by service and endpoint, oldest first: copies fill the first one
    /// with room, so a burst shares few connections and few writes.
    private var pools: [MirrorCopy.Key: [MirrorConnection]] = [:]
    /// Connections written to during this handoff, flushed once at its end.
    private var unflushed: [MirrorConnection] = []
    private var sweep: RepeatedTask?

    init(eventLoop: any EventLoop, registry: PrometheusCollectorRegistry) {
        self.eventLoop = eventLoop
        self.counters = MirrorCounters(registry: registry)
    }

    /// Sends one handoff's copies: each on the first connection to its endpoint with room, else on a new one.
    func send(_ copies: [MirrorCopy]) {
        let deadline = NIODeadline.now().uptimeNanoseconds + UInt64(Self.timeout.nanoseconds)
        for copy in copies { send(copy, deadline: deadline) }
        flush()
    }

    /// A copy ended (answered, failed or timed out): room for another.
    func ended() { inFlight -= 1 }

    /// A copy pipelined behind an answer that closed its connection (the server did not process it) goes out again.
    func resend(_ copy: MirrorCopy, deadline: UInt64) {
        inFlight -= 1
        send(copy, deadline: deadline)
        // Flushed with the handoff's writes or on the next loop turn.
        eventLoop.execute { [self] in flush() }
    }

    /// A connection closed or failed: it takes no more copies.
    func closed(_ connection: MirrorConnection) {
        guard var pool = pools.removeValue(forKey: connection.key) else { return }
        pool.removeAll { $0 === connection }
        if !pool.isEmpty { pools[connection.key] = pool }
    }

    private func flush() {
        for connection in unflushed { connection.flush() }
        unflushed.removeAll(keepingCapacity: true)
    }

    private func send(_ copy: MirrorCopy, deadline: UInt64) {
        guard inFlight < Self.maxInFlight else {
            counters[copy.service].shed.increment()
            return
        }
        let connection: MirrorConnection
        if let open = pools[copy.key]?.first(where: { $0.accepts }) {
            connection = open
        } else if pools[copy.key, default: []].count < Self.maxConnections {
            connection = connect(copy)
        } else {
            counters[copy.service].shed.increment()
            return
        }
        inFlight += 1
        startSweeping()
        if connection.enqueue(copy, deadline: deadline) { unflushed.append(connection) }
    }

    /// A new connection to the copy's endpoint, in its pool at once (the copy waits on it until connected).
    private func connect(_ copy: MirrorCopy) -> MirrorConnection {
        let connection = MirrorConnection(key: copy.key, tls: copy.tls, sender: self, outcomes: counters[copy.service])
        pools[copy.key, default: []].append(connection)
        let bound = NIOLoopBound(connection, eventLoop: eventLoop)
        ClientBootstrap(group: eventLoop)
            .connectTimeout(Self.timeout)
            .channelInitializer { [upstreamTLS = copy.tls] channel in
                channel.eventLoop.makeCompletedFuture {
                    // A mesh sidecar is spoken to with mTLS, as the primary's connections are (a strict one would
                    // refuse plaintext copies).
                    if let upstreamTLS { _ = try upstreamTLS.addHandlers(to: channel.pipeline.syncOperations, batch: nil) }
                    try channel.pipeline.syncOperations.addHandler(bound.value)
                }
            }
            .connect(to: copy.address)
            .whenFailure { _ in bound.value.connectFailed() }
        return connection
    }

    /// Runs the timeout sweep while copies are in flight (an idle proxy does not wake up for it).
    private func startSweeping() {
        guard sweep == nil else { return }
        sweep = eventLoop.scheduleRepeatedTask(initialDelay: Self.sweepInterval, delay: Self.sweepInterval) { [self] _ in
            let now = NIODeadline.now().uptimeNanoseconds
            for pool in pools.values {
                for connection in pool { connection.expireIfDue(now: now) }
            }
            if inFlight == 0 {
                sweep?.cancel()
                sweep = nil
            }
        }
    }
}
