import NIOCore
import Prometheus
import SidecarConfig
import TrafficPolicy

/// One tunnel's bookkeeping: its series and which directions have ended (each side's half-close is passed on).
final class TunnelState {
    let metrics: TunnelMetrics
    /// The client's input ended; the endpoint's output was shut.
    var clientDone = false
    /// The endpoint's input ended; the client's output was shut.
    var upstreamDone = false
    /// When a byte last passed either way (`limits.tunnelIdleTimeout` runs from here).
    var lastActivity: UInt64

    init(metrics: TunnelMetrics, now: UInt64) {
        self.metrics = metrics
        lastActivity = now
    }
}

/// Tunnels: after a 101 to an upgrade request (WebSocket), or for a whole opaque (`appProtocol: tcp`) connection,
/// the client connection and its upstream connection carry bytes both ways, unparsed, until either side closes.
/// Back-pressure is the request path's: each side reads only while the other is writable (`shouldHoldReads`,
/// `UpstreamHandler.read`), so nothing is buffered beyond one read and NIO's write queue.
extension DownstreamHandler {
    /// Whether the request just parsed asks for an upgrade the proxy passes on: `Connection: upgrade` with an
    /// `Upgrade` field, from an HTTP/1.1 client. `h2c` is not passed on (HTTP/2 is not reached by upgrade here).
    func upgradeAsked(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard request.connectionUpgrade, request.isHTTP11, let index = request.upgradeField else { return false }
        let field = request.fields[index]
        let length = field.valueEnd - field.valueStart
        return length > 0 && !(length == 3 && HTTPBytes.equalsLowercase(bytes, field.valueStart, 3, "h2c"))
    }

    /// The `appProtocol: tcp` service this connection's listener leads to (through its split, if any, picked per
    /// connection); nil for HTTP. Only listeners with a fixed service can: the gateway's routing listener and a
    /// sidecar's Host-routed outbound listener read a request first.
    func opaqueService() -> ServiceState? {
        let routes = loop.routes
        guard let name = routes.listeners[listenerName]?.service, let service = routes.services[name],
            service.config.appProtocol == .tcp
        else { return nil }
        if let split = routes.splits[name], split.degraded == nil, let backend = split.nextBackend(now: LoopContext.now()) { return backend }
        return service
    }

    /// An opaque connection on a listener routed to an `appProtocol: tcp` service: connect at once (a server that
    /// speaks first is heard without waiting for the client), balanced like a request.
    func beginConnection(to service: ServiceState) {
        let now = LoopContext.now()
        startedAt = now
        opaque = true
        self.service = service
        self.retries = service
        if loop.accessLog != nil { beginConnectionTelemetry(service: service) }
        let step = machine.requestStarted(
            .init(idempotent: true, bodyComplete: true, carries: .connection),
            policy: service.retryPolicy, timeout: loop.routes.requestTimeoutNanos, now: now, budget: &service.budget)
        perform(step, now: now)
    }

    /// The machine made this exchange a tunnel. `bytes` holds the 101 head and whatever followed it (nil for an
    /// opaque connection): it goes to the client as is; the client's bytes read after its request go up.
    func openTunnel(_ bytes: ByteBuffer?) {
        guard let context, let upstream, let service else { return }
        if let report = machine.tunnelOpened() { perform(ExchangeStateMachine.Step(report: report, action: .none)) }
        let metrics = TunnelMetrics(
            registry: loop.metrics.registry, service: service.name, kind: bytes == nil ? "tcp" : "upgrade")
        metrics.opened.increment()
        metrics.open.increment()
        tunnel = TunnelState(metrics: metrics, now: LoopContext.now())
        inExchange = false
        responseStarted = true
        if bytes != nil {
            service.metrics.latency.record(nanos: LoopContext.now() &- startedAt)
            logAccess(status: 101, reason: nil)
        }
        upstreamReusable = false
        if let bytes, bytes.readableBytes > 0 {
            metrics.bytesDown.increment(by: Int64(bytes.readableBytes))
            telemetry.connectionBytes?.down += bytes.readableBytes
            writer.writeAndFlush(bytes, context: context)
        }
        if let early = pending, early.readableBytes > 0 {
            pending = nil
            metrics.bytesUp.increment(by: Int64(early.readableBytes))
            telemetry.connectionBytes?.up += early.readableBytes
            upstream.writeAndFlush(early)
        }
        if inputClosed { tunnelClientInputEnded() }
        resumeReadsIfHeld()
    }

    /// Client bytes: straight up (reads stop while the endpoint cannot take more).
    func tunnelFromClient(_ buffer: ByteBuffer) {
        guard let tunnel, let upstream else { return }
        tunnel.metrics.bytesUp.increment(by: Int64(buffer.readableBytes))
        tunnel.lastActivity = LoopContext.now()
        telemetry.connectionBytes?.up += buffer.readableBytes
        upstream.writeAndFlush(buffer)
    }

    /// Endpoint bytes: to the client, flushed at the end of the upstream's read burst (`upstreamReadComplete`).
    func tunnelFromUpstream(_ buffer: ByteBuffer) {
        guard let tunnel, let context else { return }
        tunnel.metrics.bytesDown.increment(by: Int64(buffer.readableBytes))
        tunnel.lastActivity = LoopContext.now()
        telemetry.connectionBytes?.down += buffer.readableBytes
        writer.write(buffer, context: context)
        responseUnflushed = true
    }

    /// The client half-closed: the endpoint sees the same; the tunnel ends once both directions have.
    func tunnelClientInputEnded() {
        guard let tunnel, !tunnel.clientDone else { return }
        tunnel.clientDone = true
        upstream?.shutdownOutput()
        if tunnel.upstreamDone { endTunnel() }
    }

    /// The endpoint half-closed: the client sees the same; the tunnel ends once both directions have.
    func tunnelUpstreamInputEnded() {
        guard let tunnel, !tunnel.upstreamDone, let context else { return }
        tunnel.upstreamDone = true
        writer.flushNow(context: context)
        context.close(mode: .output, promise: nil)
        if tunnel.clientDone { endTunnel() }
    }

    /// No byte either way for `limits.tunnelIdleTimeout`: both sides are closed (a TCP connection's access-log
    /// line says `idle-timeout`). Checked with the loop's other deadlines.
    func checkTunnelIdle(_ tunnel: TunnelState, now: UInt64) {
        guard now &- tunnel.lastActivity > loop.routes.tunnelIdleTimeoutNanos else { return }
        logAccess(status: 0, reason: "idle-timeout")
        endTunnel()
    }

    /// Both directions ended, or one side closed outright: close both (what was written is sent first).
    func endTunnel() {
        guard tunnel != nil else { return }
        dropTunnel()
        releaseExchange()
        close()
    }

    /// Forgets the tunnel (the client connection closed, or `endTunnel`).
    func dropTunnel() {
        guard let tunnel else { return }
        self.tunnel = nil
        tunnel.metrics.open.decrement()
        machine.tunnelEnded()
    }
}
