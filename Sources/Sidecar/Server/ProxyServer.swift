import Logging
import NIOCore
import NIOPosix
import Prometheus
import SidecarConfig
import Synchronization

/// The sidecar proxy: listeners from a configuration, one `LoopContext` per event loop thread, an optional admin
/// endpoint, hot configuration swaps and drain.
///
/// ```swift
/// let server = ProxyServer(configuration: config, options: .init(threads: 1, admin: HostPort(host: "127.0.0.1", port: 0)))
/// let bound = try await server.start()      // real ports, also for port 0
/// try await server.apply(newConfig)         // PUT /config does the same
/// await server.drain()                      // stop accepting, finish in flight
/// ```
public final class ProxyServer: Sendable {
    public struct Options: Sendable {
        /// Event loop threads; 1 suits a sidecar beside one replica.
        public var threads: Int
        /// Where the admin endpoint listens (127.0.0.1 only); nil for none.
        public var admin: HostPort?
        /// Overrides the configuration's `accessLog.path` (`meshctl proxy --access-log`).
        public var accessLogPath: String?
        /// False: no per-request counters or latency histogram (`meshctl proxy --no-metrics`, to measure their cost).
        public var metrics: Bool
        /// False: every flush is sent at once, even on a busy loop (`--no-write-batching`; see `WriteBatch`).
        public var writeBatching: Bool
        /// True: listeners bind with `SO_REUSEPORT`, so a replacement proxy can bind the same addresses before this
        /// one lets go of them (`--reuse-port`; the operator starts every proxy so; see `ReusePortSteering`).
        public var reusePort: Bool
        /// The secret every admin request that changes something must present (`--admin-token-file`); nil leaves
        /// the admin endpoint open, for a proxy embedded in a test (`AdminGuard`).
        public var adminToken: String?
        /// The workload identity for mTLS between sidecars (docs/identity.md); nil: plaintext only, as before.
        public var meshTLS: MeshTLS?
        /// Renews the identity now and answers the new leaf as JSON (admin `POST /identity/renew`, which anchor
        /// rotation drives); nil: this proxy has no identity to renew.
        public var renewIdentity: (@Sendable () async throws -> String)?
        /// Listening sockets the operator keeps for listener addresses across this proxy's restarts (socket
        /// activation: a sidecar's `InheritedListener`, a gateway's `ListenerPassing`); each such listener accepts
        /// from its socket instead of binding.
        public var inheritedSocket: InheritedSocket?
        /// Serve on this event loop (with `threads` ignored) instead of a group of the server's own: `mesh-proxy`
        /// runs its loop on the main thread, so the process has one thread (`ProxyOptions.runOnMainThread`).
        /// The caller owns it: drain leaves it running.
        public var eventLoop: (any EventLoop)?
        /// How long after connections closed or a configuration changed the proxy gives the C heap's free pages back
        /// to the system (`HeapTrimmer`); nil: never (`--no-heap-trim`, to measure what it does).
        public var heapTrimDelay: Duration? = .seconds(30)

        public init(
            threads: Int = 1, admin: HostPort? = nil, accessLogPath: String? = nil, metrics: Bool = true,
            writeBatching: Bool = true, reusePort: Bool = false, adminToken: String? = nil, meshTLS: MeshTLS? = nil
        ) {
            self.meshTLS = meshTLS
            self.adminToken = adminToken
            self.threads = threads
            self.admin = admin
            self.accessLogPath = accessLogPath
            self.metrics = metrics
            self.writeBatching = writeBatching
            self.reusePort = reusePort
        }
    }

    /// A bound socket: a listener's name (or "admin") and its real address.
    public struct BoundAddress: Sendable, Hashable {
        public var name: String
        public var kind: String
        public var address: HostPort
    }

    let options: Options
    /// The server's own `MultiThreadedEventLoopGroup`, or the caller's loop (`Options.eventLoop`).
    let group: any EventLoopGroup
    let metrics: ProxyMetrics
    let loops: [ObjectIdentifier: LoopContext]
    let loopList: [LoopContext]
    let state: Mutex<State>
    /// One configuration change at a time: each one's listener changes are computed against the last one's.
    let applyGate = SerialGate()
    private let stopped: Mutex<[CheckedContinuation<Void, Never>]?> = Mutex([])
    let accessLog = Mutex<ActiveAccessLog?>(nil)
    let adminGuard: AdminGuard
    /// Returns freed heap pages after churn; nil when `Options.heapTrimDelay` is.
    let heapTrimmer: HeapTrimmer?

    struct State {
        /// What every event loop serves; `serve(_:)` swaps it.
        private(set) var configuration: SidecarConfiguration
        /// When the proxy began to serve `configuration` (Unix time in nanoseconds, `GET /config/version`'s
        /// `appliedAt`): the moment a change reached this proxy, read afterwards without polling it meanwhile.
        private(set) var appliedAt = WallClock.nanoseconds()
        var listeners: [ListenerSocket] = []
        var admin: (any Channel)?
        var adminAddress: BoundAddress?
        var ready = false
        var draining = false

        init(configuration: SidecarConfiguration) {
            self.configuration = configuration
        }

        /// Called once every event loop runs `configuration`.
        mutating func serve(_ configuration: SidecarConfiguration) {
            self.configuration = configuration
            appliedAt = WallClock.nanoseconds()
        }

        var bound: [BoundAddress] {
            listeners.map { socket in
                let name = socket.currentName
                let kind = configuration.listeners.first { $0.name == name }?.kind.rawValue ?? ""
                return BoundAddress(name: name, kind: kind, address: socket.bound)
            } + (adminAddress.map { [$0] } ?? [])
        }
    }

    public init(configuration: SidecarConfiguration, options: Options = Options()) {
        self.options = options
        self.adminGuard = AdminGuard(
            token: options.adminToken, launchAccessLogPath: options.accessLogPath ?? configuration.accessLog?.path)
        self.metrics = ProxyMetrics(perRequest: options.metrics)
        self.group = options.eventLoop ?? MultiThreadedEventLoopGroup(numberOfThreads: max(1, options.threads))
        let metrics = self.metrics
        let connectionCounts = ServiceConnectionCounts()  // a service's maxConnections counts every loop's
        let trimLoop = group.next()
        let trimmer = options.heapTrimDelay.map {
            HeapTrimmer(eventLoop: trimLoop, delay: TimeAmount($0), registry: metrics.registry)
        }
        self.heapTrimmer = trimmer
        let list = group.makeIterator().map {
            LoopContext(
                eventLoop: $0, metrics: metrics, config: configuration, writeBatching: options.writeBatching,
                connectionCounts: connectionCounts, meshTLS: options.meshTLS, heapTrimmer: trimmer)
        }
        self.loopList = list
        self.loops = Dictionary(uniqueKeysWithValues: list.map { (ObjectIdentifier($0.eventLoop), $0) })
        self.state = Mutex(State(configuration: configuration))
    }

    public var configuration: SidecarConfiguration { state.withLock { $0.configuration } }
    /// The running version and when the proxy began to serve it (`State.appliedAt`).
    var servedVersion: (version: String, appliedAt: Int64) { state.withLock { ($0.configuration.version, $0.appliedAt) } }
    public var boundAddresses: [BoundAddress] { state.withLock { $0.bound } }
    public var isReady: Bool { state.withLock { $0.ready && !$0.draining } }

    /// Binds every listener and the admin endpoint; returns their real addresses.
    @discardableResult
    public func start() async throws -> [BoundAddress] {
        let config = configuration
        var listeners: [ListenerSocket] = []
        try await updateAccessLog(for: config)
        do {
            for listener in config.listeners {
                guard let address = HostPort(parsing: listener.address) else { continue }
                listeners.append(try await bindListener(listener, address: address, accepting: true))
            }
            var adminChannel: (any Channel)? = nil
            var adminAddress: BoundAddress? = nil
            if let admin = options.admin {
                let channel = try await AdminServer.bind(server: self, group: group, address: admin)
                adminChannel = channel
                adminAddress = BoundAddress(
                    name: "admin", kind: "admin",
                    address: HostPort(host: admin.host, port: channel.localAddress?.port ?? admin.port))
            }
            return state.withLock {
                $0.listeners = listeners
                $0.admin = adminChannel
                $0.adminAddress = adminAddress
                $0.ready = true
                return $0.bound
            }
        } catch {
            for listener in listeners { await listener.close() }
            throw error
        }
    }

    /// Binds one configured listener; every connection it accepts is served by its event loop's `LoopContext`.
    func bindListener(_ listener: Listener, address: HostPort, accepting: Bool) async throws -> ListenerSocket {
        let loops = self.loops
        let inherited = options.inheritedSocket?.take(configured: listener.address, port: address.port)
        if let problem = inherited?.problem {
            Logger(label: "mesh-proxy.listener").warning("binding \(listener.address) itself: the inherited socket cannot serve it: \(problem)")
        }
        let descriptor = inherited?.descriptor
        let shared = options.inheritedSocket?.acceptors == .mayBeShared
        return try await ListenerSocket.bind(
            name: listener.name, address: address, configured: listener.address, group: group,
            reusePort: options.reusePort, inherited: shared ? descriptor : nil, held: shared ? nil : descriptor,
            accepting: accepting
        ) { channel, name in
            guard let loop = loops[ObjectIdentifier(channel.eventLoop)] else { throw ChannelError.ioOnClosedChannel }
            // The only handler: its SocketWriter sends beneath the pipeline, so an outbound handler added
            // here (TLS, say) would be bypassed. Such a channel must write through NIO instead: an inbound
            // listener of a proxy with an identity starts with `InboundTLSSniffer`, which arranges that.
            try channel.pipeline.syncOperations.addHandler(Self.firstHandler(loop: loop, listenerName: name))
        }
    }

    /// Validates and swaps in a configuration: new requests use it at once, requests in flight finish on the
    /// old one. Listeners change in place: a new address is bound (and accepts only once every event loop routes
    /// it), an address no longer configured is closed, a renamed one keeps its socket. A bind that fails refuses
    /// the whole configuration and leaves the running one untouched.
    public func apply(_ new: SidecarConfiguration) async throws(ConfigError) {
        try new.validate()
        await applyGate.acquire()
        defer { applyGate.release() }
        let change = try await prepareListeners(for: new)
        do {
            try await updateAccessLog(for: new)
        } catch {
            await change.abandon()
            throw ConfigError(problems: [.init(path: "accessLog.path", message: error.description)])
        }
        await withTaskGroup(of: Void.self) { tasks in
            for loop in loopList {
                tasks.addTask { try? await loop.eventLoop.submit { loop.apply(new) }.get() }
            }
        }
        metrics.forgetEndpoints(notIn: new)
        await commit(change, configuration: new)
        metrics.countConfigChange(.whole)
        heapTrimmer?.noteFreed()
    }

    /// Stops accepting, lets requests in flight finish (their connections then close), and returns when all
    /// client connections are gone or `timeout` passed. First a lame-duck phase (`lameDuck`): keep-alive clients
    /// get their next answer with `connection: close` instead of a close under a request already on its way.
    public func drain(timeout: Duration = .seconds(30)) async {
        let (listeners, admin, already) = state.withLock { s in
            let result = (s.listeners, s.admin, s.draining)
            s.draining = true
            s.listeners = []
            return result
        }
        if already {
            await waitUntilStopped()
            return
        }
        for listener in listeners { await listener.close() }
        await lameDuck(limit: min(Self.lameDuckLimit, timeout / 4))
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                await withTaskGroup(of: Void.self) { inner in
                    for loop in self.loopList {
                        inner.addTask {
                            let future = loop.eventLoop.flatSubmit { loop.drain() }
                            try? await future.get()
                        }
                    }
                }
            }
            tasks.addTask {
                try? await Task.sleep(for: timeout)
                if Task.isCancelled { return }
                // Past the deadline: tunnels and anything else still open are closed, which ends the loops' drains
                // (the group waits for them: a drain future does not answer cancellation).
                for loop in self.loopList { try? await loop.eventLoop.submit { loop.closeRemaining() }.get() }
            }
            await tasks.next()
            tasks.cancelAll()
        }
        try? await admin?.close()
        await closeAccessLog()
        let waiters = stopped.withLock { w in
            let list = w ?? []
            w = nil
            return list
        }
        for waiter in waiters { waiter.resume() }
        if options.eventLoop == nil { try? await group.shutdownGracefully() }
    }

    /// Returns once `drain` has finished.
    public func waitUntilStopped() async {
        await withCheckedContinuation { continuation in
            let done = stopped.withLock { waiters -> Bool in
                if waiters == nil { return true }
                waiters!.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Asks for a drain without waiting (admin `POST /drain`, signals).
    public func beginDrain() {
        Task { await self.drain() }
    }

    /// Prometheus text of every metric: the registry's, then the request-duration histograms merged over loops.
    public func metricsText() async -> String {
        var merged: [String: LatencyHistogram.Snapshot] = [:]
        for loop in loopList {
            guard let snapshots = try? await loop.eventLoop.submit({ loop.latencySnapshots() }).get() else { continue }
            for (service, snapshot) in snapshots { merged[service, default: .empty].merge(snapshot) }
        }
        return metrics.registry.emitToString() + LatencyHistogram.render(merged.sorted { $0.key < $1.key })
    }

    /// A snapshot for `GET /stats`.
    public func stats() async -> ProxyStats {
        var endpoints: [ProxyStats.Endpoint] = []
        var open = 0
        for loop in loopList {
            let snapshot = try? await loop.eventLoop.submit {
                (loop.openConnections, loop.endpointSnapshot())
            }.get()
            guard let snapshot else { continue }
            open += snapshot.0
            for e in snapshot.1 {
                if let index = endpoints.firstIndex(where: { $0.service == e.service && $0.address == e.address }) {
                    endpoints[index].openConnections += e.open
                    endpoints[index].idleConnections += e.idle
                    endpoints[index].inFlight += e.inFlight
                    endpoints[index].ejected = endpoints[index].ejected || e.ejected
                    endpoints[index].healthy = endpoints[index].healthy && e.healthy
                } else {
                    endpoints.append(.init(
                        service: e.service, address: e.address, openConnections: e.open, idleConnections: e.idle,
                        inFlight: e.inFlight, ejected: e.ejected, healthy: e.healthy))
                }
            }
        }
        let (version, bound, draining) = state.withLock { ($0.configuration.version, $0.bound, $0.draining) }
        return ProxyStats(
            version: version, draining: draining, clientConnections: open,
            listeners: bound.map { .init(name: $0.name, kind: $0.kind, address: $0.address.description) },
            endpoints: endpoints)
    }
}

/// What `GET /stats` returns, for `meshctl` and the operator.
public struct ProxyStats: Sendable, Codable, Hashable {
    public struct Listener: Sendable, Codable, Hashable {
        public var name: String
        public var kind: String
        public var address: String
    }
    public struct Endpoint: Sendable, Codable, Hashable {
        public var service: String
        public var address: String
        public var openConnections: Int
        public var idleConnections: Int
        public var inFlight: Int
        public var ejected: Bool
        public var healthy: Bool
    }
    public var version: String
    public var draining: Bool
    public var clientConnections: Int
    public var listeners: [Listener]
    public var endpoints: [Endpoint]
}
