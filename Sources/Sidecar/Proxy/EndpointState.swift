import NIOCore
import NIOPosix
import Prometheus
import SidecarConfig

/// One endpoint as seen from one event loop: its pool of upstream connections and the counters the balancer and
/// the outlier detector read.
///
/// Confined to its event loop (every method asserts it); it outlives configuration swaps so pools stay warm when
/// the same address appears in the new configuration.
final class EndpointState {
    let address: HostPort
    let socketAddress: SocketAddress?
    let eventLoop: any EventLoop
    var limits: ConnectionLimits
    private let makeMetrics: () -> EndpointMetrics
    /// The endpoint's series once made; nil while nothing was worth recording.
    private(set) var madeMetrics: EndpointMetrics?

    private var idle: [UpstreamHandler] = []
    /// Open connections (for stats); the HTTP/2 pool counts its own in and out.
    var openConnections = 0
    private var connecting = 0
    /// Requests waiting for a connection here; each holds one of the service's waiting places (`pool.count`).
    private var waiters: CircularBuffer<DownstreamHandler> = []

    /// Requests in flight to this endpoint (for stats; balancers keep their own counts).
    var inFlight = 0
    /// Active health: false once the health check says so (true until a check has decided).
    var healthy = true
    var healthChecker: HealthChecker?
    /// The loop's write batch, handed to each connection this pool opens.
    let writeBatch: WriteBatch?
    /// The service's share of connections (its `maxConnections` counts all endpoints together).
    let pool: ServicePool
    /// Told when a connection closes (`HeapTrimmer`).
    private let heapTrimmer: HeapTrimmer?
    /// Set while the service speaks HTTP/2 to its endpoints (`appProtocol` http2 or grpc): tries are streams.
    private(set) var http2: HTTP2UpstreamPool?
    /// gRPC responses by `grpc-status`, made on first use.
    private var grpcCounters: [Int: Counter] = [:]
    /// Set when the endpoint is a mesh sidecar and this proxy has an identity: connections are mTLS.
    var upstreamTLS: UpstreamTLS?

    init(
        address: HostPort, eventLoop: any EventLoop, limits: ConnectionLimits, writeBatch: WriteBatch?,
        pool: ServicePool, heapTrimmer: HeapTrimmer? = nil, metrics: @escaping () -> EndpointMetrics
    ) {
        self.pool = pool
        self.heapTrimmer = heapTrimmer
        self.address = address
        self.socketAddress = try? SocketAddress.makeAddressResolvingHost(address.host, port: address.port)
        self.eventLoop = eventLoop
        self.limits = limits
        self.writeBatch = writeBatch
        self.makeMetrics = metrics
    }

    deinit {
        // Requests still waiting here when the endpoint leaves every configuration give their places back.
        if !waiters.isEmpty { pool.count.releaseWaits(waiters.count) }
    }

    /// The endpoint's Prometheus series, made on first use. Every sidecar knows every service of the mesh but talks
    /// to few of them: making series only for endpoints it sent to (or heard bad news about) keeps `/metrics` at a
    /// few KB instead of ~120 KB at 50 services, which is what `meshctl stat` and the dashboard scrape.
    var metrics: EndpointMetrics {
        if let madeMetrics { return madeMetrics }
        let made = makeMetrics()
        made.healthy.set(Int64(healthy ? 1 : 0))
        madeMetrics = made
        return made
    }

    /// Hands `requester` a connection now (idle one), later (after connecting or when one is released), or fails it.
    func acquire(for requester: DownstreamHandler) {
        if let http2 {
            http2.openStream(for: requester)
            return
        }
        while let connection = idle.popLast() {
            if connection.isUsable {
                requester.upstreamReady(connection)
                return
            }
            connection.discard()
        }
        if pool.count.reserve(limit: limits.maxConnections) {
            connect(for: requester)
        } else if pool.count.reserveWait(limit: limits.maxPendingRequests) {
            waiters.append(requester)
            pool.evictIdle(sparing: self)
        } else {
            requester.upstreamFailed(.poolOverflow)
        }
    }

    /// Forgets a requester that went away while waiting.
    func cancelWait(_ requester: DownstreamHandler) {
        http2?.cancelWait(requester)
        if let index = waiters.firstIndex(where: { $0 === requester }) {
            waiters.remove(at: index)
            pool.count.releaseWaits()
        }
    }

    /// Opens a connection in a slot already reserved in `pool`.
    private func connect(for requester: DownstreamHandler) {
        guard let socketAddress else {
            pool.count.release()
            requester.upstreamFailed(.connectFailed)
            return
        }
        connecting += 1
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(limits.connectTimeout))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            // A tunnel passes the endpoint's half-close on (`UpstreamHandler.userInboundEventTriggered`).
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { [upstreamTLS, writeBatch] channel in
                channel.eventLoop.makeCompletedFuture {
                    if let upstreamTLS, try upstreamTLS.addHandlers(to: channel.pipeline.syncOperations, batch: writeBatch) {
                        try channel.pipeline.syncOperations.addHandler(UpstreamHandler(writesThroughPipeline: true))
                        return
                    }
                    // The only handler (its SocketWriter sends beneath the pipeline; see ProxyServer.bindListener).
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler())
                }
            }
        let requesterBox = NIOLoopBound(requester, eventLoop: eventLoop)
        let selfBox = NIOLoopBound(self, eventLoop: eventLoop)
        bootstrap.connect(to: socketAddress).whenComplete { result in
            let endpoint = selfBox.value
            endpoint.connecting -= 1
            switch result {
            case .success(let channel):
                guard let handler = try? channel.pipeline.syncOperations.handler(type: UpstreamHandler.self) else {
                    channel.close(promise: nil)
                    endpoint.pool.count.release()
                    requesterBox.value.upstreamFailed(.connectFailed)
                    endpoint.pool.slotFreed()
                    return
                }
                endpoint.openConnections += 1
                handler.endpoint = endpoint
                handler.use(batch: endpoint.writeBatch)
                requesterBox.value.upstreamReady(handler)
            case .failure:
                endpoint.pool.count.release()
                requesterBox.value.upstreamFailed(.connectFailed)
                endpoint.pool.slotFreed()
            }
        }
    }

    /// Takes back a connection whose exchange ended cleanly; it serves a waiter or idles.
    func release(_ connection: UpstreamHandler) {
        if connection.isStream {
            // A stream serves one exchange.
            connection.discard()
            return
        }
        if limits.maxRequestsPerConnection > 0 && connection.exchanges >= limits.maxRequestsPerConnection {
            // Used up (`maxRequestsPerConnection`): closed; its slot serves waiters once it has closed.
            connection.discard()
            return
        }
        if let waiter = waiters.popFirst() {
            pool.count.releaseWaits()
            waiter.upstreamReady(connection)
            return
        }
        if idle.count < limits.maxIdleConnections {
            idle.append(connection)
        } else {
            connection.discard()
        }
    }

    /// Called once when a connection of this endpoint closes, whatever its state.
    func connectionClosed(_ connection: UpstreamHandler) {
        openConnections -= 1
        pool.count.release()
        if let index = idle.firstIndex(where: { $0 === connection }) { idle.remove(at: index) }
        pool.slotFreed()
        heapTrimmer?.noteFreed()
    }

    /// A slot of the service opened (a connection closed or a connect failed): start connections for waiters.
    func serveWaiters() {
        while !waiters.isEmpty && pool.count.reserve(limit: limits.maxConnections) {
            pool.count.releaseWaits()
            connect(for: waiters.removeFirst())
        }
    }

    /// Closes one idle connection, if there is one (to free a slot of the service for another endpoint).
    func closeOneIdle() -> Bool {
        guard let connection = idle.popLast() else { return false }
        connection.discard()
        return true
    }

    /// Closes idle connections (drain, or the endpoint left the configuration).
    func closeIdle() {
        http2?.retire()
        let connections = idle
        idle.removeAll()
        for connection in connections { connection.discard() }
    }

    var idleCount: Int { idle.count }

    /// The endpoint left every configuration of its loop: idle connections close, its health check stops, and the
    /// objects that point back at it (its pool and health checker) let go of it, so it is freed once the requests in
    /// flight on it finish. They hold it strongly rather than weakly: see `ServicePool`.
    func leave() {
        closeIdle()
        healthChecker?.stop()
        healthChecker = nil
        pool.remove(self)
    }

    // MARK: HTTP/2 upstream (Sidecar/HTTP2/HTTP2UpstreamPool.swift)

    /// Tries go as HTTP/2 streams (`on`) or on HTTP/1.1 connections; a change retires the other kind's connection.
    func speakHTTP2(_ on: Bool) {
        if on && http2 == nil {
            http2 = HTTP2UpstreamPool(endpoint: self)
        } else if !on, let pool = http2 {
            http2 = nil
            pool.retire()
        }
    }

    /// Counts a gRPC response of this endpoint by its status (`mesh_grpc_responses_total`).
    func recordGRPC(status: Int) {
        if let counter = grpcCounters[status] {
            counter.increment()
            return
        }
        let counter = metrics.grpcResponses(status)
        grpcCounters[status] = counter
        counter.increment()
    }
}

/// Why the proxy could not get a connection to an endpoint.
enum UpstreamFailure: Error {
    case connectFailed
    case poolOverflow
}
