import NIOCore
import NIOPosix
import SidecarConfig

/// An endpoint's HTTP/2 (h2c) connection on one event loop, for services whose `appProtocol` is `http2` or
/// `grpc`: every try of an exchange is a new stream on it, so requests are multiplexed on one connection per endpoint
/// and loop instead of one connection each (Envoy and Linkerd pool the same way).
///
/// Each stream is an `UpstreamStreamBridge` behind an `UpstreamHandler`, which the exchange uses exactly as it uses a
/// pooled HTTP/1.1 connection; the connection's `HTTP2UpstreamConnection` carries their frames (no channel per
/// stream). Streams beyond the server's SETTINGS_MAX_CONCURRENT_STREAMS wait in `HTTP2UpstreamCodec` until one ends.
/// The connection takes one slot of the service's `maxConnections`; requests that arrive while it connects wait (at
/// most `maxPendingRequests`, then 503 `overflow`); a failed connect fails them all as connect failures (each gets
/// its free retry on another endpoint). A connection the server sent GOAWAY on, or that closed, takes no new streams;
/// the next request opens another.
///
/// Confined to the endpoint's event loop. The endpoint is held weakly: a configuration that drops it frees it while
/// its connection may still be open (streams finishing, or the endpoint's process gone), and that connection's close
/// must still give its slot back to the service's pool, which is held on its own.
final class HTTP2UpstreamPool {
    private weak var endpoint: EndpointState?
    private let servicePool: ServicePool
    private var connection: Connection?
    private var waiters: [DownstreamHandler] = []
    private var connecting = false

    private final class Connection {
        let channel: any Channel
        let streamer: HTTP2UpstreamConnection
        /// No new streams: GOAWAY received, or the endpoint left the configuration.
        var retiring = false

        init(channel: any Channel, streamer: HTTP2UpstreamConnection) {
            self.channel = channel
            self.streamer = streamer
        }
    }

    init(endpoint: EndpointState) {
        self.endpoint = endpoint
        servicePool = endpoint.pool
    }

    /// Open streams (for stats).
    var streams: Int { connection?.streamer.openStreams ?? 0 }

    /// Hands `requester` a stream now or once connected, or fails it.
    func openStream(for requester: DownstreamHandler) {
        guard let endpoint else {
            requester.upstreamFailed(.connectFailed)
            return
        }
        if let connection, !connection.retiring, connection.streamer.isActive {
            open(on: connection, for: requester)
            return
        }
        guard waiters.count < endpoint.limits.maxPendingRequests else {
            requester.upstreamFailed(.poolOverflow)
            return
        }
        waiters.append(requester)
        if !connecting { connect() }
    }

    /// Forgets a requester that went away while waiting.
    func cancelWait(_ requester: DownstreamHandler) {
        waiters.removeAll { $0 === requester }
    }

    /// Takes no new streams and closes once the open ones are done (drain, or the endpoint left).
    func retire() {
        guard let connection else { return }
        connection.retiring = true
        if connection.streamer.openStreams == 0 { connection.channel.close(promise: nil) }
    }

    private func connect() {
        guard let endpoint, let address = endpoint.socketAddress,
              servicePool.count.reserve(limit: endpoint.limits.maxConnections)
        else {
            failWaiters(endpoint?.socketAddress == nil ? .connectFailed : .poolOverflow)
            return
        }
        connecting = true
        let eventLoop = endpoint.eventLoop
        let maxHeaderBytes = 64 * 1024
        let upstreamTLS = endpoint.upstreamTLS
        let writeBatch = endpoint.writeBatch
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(endpoint.limits.connectTimeout))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // A mesh sidecar endpoint is reached over mTLS (docs/identity.md), HTTP/2 inside it: the inbound
                    // sidecar finds the preface in the decrypted bytes, as in plaintext.
                    // Its records are sent at once: the codec already holds flushes to the end of the turn.
                    if let upstreamTLS {
                        _ = try upstreamTLS.addHandlers(to: channel.pipeline.syncOperations, batch: nil, http2: true)
                    }
                    // The responses' header blocks are checked by `UpstreamStreamBridge` (`HTTP2FieldRules`).
                    let limits = HTTP2Codec.Limits(
                        maxHeaderListSize: maxHeaderBytes, streamWindow: HTTP2Server.streamWindow,
                        connectionWindow: HTTP2Server.connectionWindow)
                    let codec = HTTP2UpstreamCodec(limits: limits, batch: writeBatch, allocator: channel.allocator)
                    try channel.pipeline.syncOperations.addHandler(codec)
                    try channel.pipeline.syncOperations.addHandler(HTTP2UpstreamConnection(codec: codec))
                }
            }
        let box = NIOLoopBound(self, eventLoop: eventLoop)
        bootstrap.connect(to: address).whenComplete { result in
            let pool = box.value
            guard case .success(let channel) = result,
                let streamer = try? channel.pipeline.syncOperations.handler(type: HTTP2UpstreamConnection.self)
            else {
                if case .success(let channel) = result { channel.close(promise: nil) }
                return pool.connectFailed()
            }
            streamer.onReady { ready in
                guard ready else { return pool.connectFailed() }
                pool.connecting = false
                pool.connected(Connection(channel: channel, streamer: streamer))
            }
        }
    }

    private func connectFailed() {
        connecting = false
        servicePool.count.release()
        failWaiters(.connectFailed)
        servicePool.slotFreed()
    }

    private func connected(_ made: Connection) {
        connection = made
        endpoint?.openConnections += 1
        let box = NIOLoopBound(self, eventLoop: made.channel.eventLoop)
        made.streamer.onGoAway = { [weak made] in made?.retiring = true }
        made.streamer.onStreamClosed = { [weak made] in
            guard let made, made.retiring, made.streamer.openStreams == 0 else { return }
            made.channel.close(promise: nil)
        }
        made.channel.closeFuture.whenComplete { _ in
            let pool = box.value
            if pool.connection === made { pool.connection = nil }
            pool.endpoint?.openConnections -= 1
            pool.servicePool.count.release()
            pool.servicePool.slotFreed()
        }
        let waiting = waiters
        waiters.removeAll()
        for requester in waiting { open(on: made, for: requester) }
    }

    private func open(on connection: Connection, for requester: DownstreamHandler) {
        guard let endpoint, let handler = connection.streamer.openStream(endpoint: endpoint) else {
            requester.upstreamFailed(.connectFailed)
            return
        }
        requester.upstreamReady(handler)
    }

    private func failWaiters(_ failure: UpstreamFailure) {
        let waiting = waiters
        waiters.removeAll()
        for requester in waiting { requester.upstreamFailed(failure) }
    }
}
