import NIOCore
import Prometheus
import SidecarConfig
import TrafficPolicy

/// One client connection: parses its requests, routes each to an endpoint, streams the request body up and the
/// response down without re-encoding, and answers itself when no endpoint can (503, 504, 502).
///
/// Requests on a connection are handled one at a time; pipelined ones wait in `pending` (bounded by holding reads).
/// All state lives on the connection's event loop, as do the upstream connections it borrows.
final class DownstreamHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Bytes of pipelined or early input held before reads stop.
    static let maxPendingBytes = 64 * 1024
    /// Request bodies up to this size are kept for retries; larger ones are not retried.
    static let maxRetainedBody = 64 * 1024
    /// A response (head and Content-Length body) up to this size that does not arrive in one read is held back
    /// until complete when its request could be retried, so an upstream dying mid-response costs a retry, not the
    /// client's connection.
    static let maxHeldResponse = 64 * 1024
    /// The client address until the connection's is known: one array for all, not one per exchange.
    static let unknownAddress: [UInt8] = Array("unknown".utf8)

    let loop: LoopContext
    let listenerName: String
    var registryIndex = -1
    var context: ChannelHandlerContext?
    /// The client's IP address as text (for X-Forwarded-For); an HTTP/2 stream's is its connection's array.
    var clientAddress = DownstreamHandler.unknownAddress
    var allocator = ByteBufferAllocator()
    /// Tracked from writability events (see `UpstreamHandler.isWritable`).
    var isWritable = true
    /// What the configuration decides for this connection's listener, taken from `cachedRoutes` once per
    /// configuration: a request then pays one branch per feature it does not use.
    var cachedRoutes: LoopRoutes?
    var plan = ListenerPlan.unknown

    // Request side.
    var pending: ByteBuffer?
    var requestParser = HTTPHeadParser(kind: .request)
    var request = HTTPHead()
    var requestFramer = BodyFramer(.none)
    var inputClosed = false
    var readHeld = false
    /// Closing: nothing more is read or sent.
    var closing = false
    var idleSince: UInt64 = 0
    /// When the first bytes of the request head now being received arrived (the header timeout runs from here).
    var headStartedAt: UInt64 = 0
    var keepAliveAfter = true

    // The exchange in progress: every decision is the machine's; the handler holds what it decided on.
    var machine = ExchangeStateMachine()
    /// Counted by the loop's `WriteBatch` while true.
    var inExchange = false {
        didSet {
            if oldValue != inExchange { loop.writeBatch?.exchangesInProgress += inExchange ? 1 : -1 }
        }
    }
    var startedAt: UInt64 = 0
    var service: ServiceState?
    /// Whose retry policy and budget this exchange uses: `service`, or the split's root when the request came
    /// through a split and only the root has a policy (`LoopContext.RouteDecision`).
    var retries: ServiceState?
    var endpoint: EndpointState?
    var upstream: UpstreamHandler?
    var upstreamHead: ByteBuffer?
    /// The routed rule's `ResponseHeaderModifier`, applied to this exchange's response head.
    var routeResponseEdits: RouteFilters.HeaderEdits?
    /// Body bytes sent so far, kept while the machine says a retry could need them.
    var retained: ByteBuffer?
    /// A request copy waiting for the rest of its body (DownstreamHandler+Mirror.swift); nil without a mirror.
    var mirrorCapture: MirrorCapture?
    var backoffTask: Scheduled<Void>?

    // Response side.
    var responseParser = HTTPHeadParser(kind: .response)
    var response = HTTPHead()
    var responseFramer: BodyFramer?
    var responseCumulation: ByteBuffer?
    /// Bytes of a response (interim, final or the proxy's own) for the current request went to the client.
    var responseStarted = false
    /// The response so far, held back (see `maxHeldResponse`); nil when nothing is held.
    var heldResponse: ByteBuffer?
    /// An unchanged response head not yet written: it is sent with the first body bytes.
    var rawHeadLength = 0
    var upstreamReusable = true
    /// A chunked response to an HTTP/1.0 client: only its payload goes on, delimited by close.
    var dechunkResponse = false
    /// Response bytes were written but not flushed in this read event; the upstream's read-complete flushes them.
    /// Most responses end with a write-and-flush, and then that second pipeline pass is skipped.
    var responseUnflushed = false
    /// Sends response bytes to the client (see `SocketWriter`); made on first use, so an HTTP/2 stream's exchange,
    /// which has no socket, makes none.
    lazy var writer = SocketWriter()
    /// True behind TLS (`InboundTLSSniffer`): writes go through the pipeline, not straight to the socket.
    var writesThroughPipeline = false
    /// The HTTP/2 stream this exchange serves, which has no channel (`context` is then nil; see
    /// DownstreamHandler+Stream.swift and DownstreamHandler+ClientWrites.swift).
    var stream: DownstreamStreamBridge?
    /// The verified identity of an mTLS client (`InboundTLSSniffer`); nil for plaintext.
    var peer: PeerBox?

    /// The access log's view of the request in progress (see Telemetry/DownstreamHandler+AccessLog.swift).
    var telemetry = RequestTelemetry()
    /// Set while the connection is a tunnel (see DownstreamHandler+Tunnel.swift).
    var tunnel: TunnelState?
    /// The whole connection is opaque (`appProtocol: tcp`): nothing is parsed, and the proxy never answers in HTTP.
    var opaque = false

    /// Nothing was read yet: the first bytes may be the HTTP/2 preface (see DownstreamHandler+HTTP2.swift).
    var awaitingFirstBytes = true
    /// Set by an HTTP/2 stream's bridge: the request head as fields (DownstreamHandler+StreamHeads.swift).
    var streamRequest: StreamRequestHead?
    /// Set by an HTTP/2 stream's bridge for a gRPC request (its deadline; its status is in `grpc-status`).
    var grpcCall: GRPCCall?
    /// The gRPC status of this request's injected abort, when the fault gives one (`abort.grpcStatus`).
    var injectedGRPCStatus: Int?

    init(loop: LoopContext, listenerName: String) {
        self.loop = loop
        self.listenerName = listenerName
    }

    // MARK: channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.allocator = context.channel.allocator
    }

    func channelActive(context: ChannelHandlerContext) {
        if let ip = context.channel.remoteAddress?.ipAddress { clientAddress = Array(ip.utf8) }
        idleSince = LoopContext.now()
        let routes = loop.routes
        if loop.openConnections >= routes.limits.maxConnections {
            // Over the limit: refuse at once rather than queue work the proxy cannot take.
            context.close(promise: nil)
            return
        }
        requestParser.limits = routes.parserLimits
        responseParser.limits = routes.parserLimits
        loop.register(self)
        writer.attach(context.channel, batch: loop.writeBatch, direct: !writesThroughPipeline)
        if loop.draining { drain() }
        context.fireChannelActive()
        if !closing, let service = opaqueService() { beginConnection(to: service) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        clientGone()
    }

    /// The client left (its connection closed, or its HTTP/2 stream ended): the exchange is let go.
    func clientGone() {
        closing = true
        if stream == nil { writer.detach() }
        loop.unregister(self)
        dropTunnel()
        // An opaque connection that became a tunnel ended as TCP connections do, by a close.
        logAccess(status: responseStarted ? response.status : 0, reason: opaque && responseStarted ? nil : "aborted")
        perform(machine.clientGone())
        releaseExchange()
        dropMirrorCapture()
        pending = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        clientBytes(unwrapInboundIn(data))
    }

    /// Bytes from the client (its connection, or the HTTP/1.1 form of its HTTP/2 stream's frames).
    @inline(__always)
    func clientBytes(_ input: ByteBuffer) {
        var buffer = input
        if closing { return }
        if tunnel != nil {
            tunnelFromClient(buffer)
            return
        }
        if var existing = pending, existing.readableBytes > 0 {
            existing.writeBuffer(&buffer)
            pending = existing
        } else {
            pending = buffer
            if !machine.isBusy { headStartedAt = LoopContext.now() }
        }
        if awaitingFirstBytes && divertedToHTTP2() { return }
        process()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Not passed on: this handler is the last in its pipeline, and the tail does nothing with it (one pipeline
        // pass less per read).
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let event = event as? ChannelEvent, event == .inputClosed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        inputClosed = true
        if closing { return }
        if tunnel != nil {
            tunnelClientInputEnded()
        } else if opaque && machine.isBusy {
            // An opaque connection still connecting: its half-close is passed on once it is a tunnel (`openTunnel`).
        } else if !machine.isBusy {
            close()
        } else if !requestFramer.isDone {
            // The client died mid-upload: the upstream must never see a complete request.
            perform(machine.clientGone())
            close()
        } else if machine.isConnected {
            // Half-close passes through; the connection cannot be reused after it.
            upstreamReusable = false
            upstream?.shutdownOutput()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        clientWritabilityChanged(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    /// Back-pressure towards the client: hold reads while the upstream cannot take the body, or while enough
    /// pipelined input waits.
    func read(context: ChannelHandlerContext) {
        if shouldHoldReads {
            readHeld = true
            return
        }
        context.read()
    }

    var shouldHoldReads: Bool {
        if closing { return true }
        if tunnel != nil { return !(upstream?.isWritable ?? true) }
        if machine.isConnected && !requestFramer.isDone, let upstream {
            // Streaming the body up: as fast as the upstream takes it.
            return !upstream.isWritable
        }
        return (pending?.readableBytes ?? 0) > Self.maxPendingBytes
    }

    func resumeReadsIfHeld() {
        guard readHeld, !shouldHoldReads else { return }
        readHeld = false
        if let context { context.read() } else { stream?.resumeReading() }
    }

    /// Whether the client side can take more response bytes now (the upstream holds its reads otherwise).
    var canTakeResponseBytes: Bool { isWritable }

    // MARK: upstream events

    func upstreamReadComplete() {
        guard responseUnflushed else { return }
        responseUnflushed = false
        flushClient()
    }

    func upstreamWritabilityChanged(isWritable: Bool) {
        if isWritable { resumeReadsIfHeld() }
    }

    // MARK: closing

    /// Stops serving: flushes what was written, then closes.
    func close() {
        guard let context else { return closeStream(cut: false) }
        guard !closing || context.channel.isActive else { return }
        closing = true
        inExchange = false
        writer.flushNow(context: context)
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer()), promise: promise)
        let channel = context.channel
        promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
    }

    /// Closes at once, dropping unsent bytes: used when what was sent must not look complete.
    func closeNow() {
        guard context != nil else { return closeStream(cut: true) }
        closing = true
        inExchange = false
        context?.close(promise: nil)
    }

    /// Drain: idle connections close now, busy ones after their current response.
    func drain() {
        keepAliveAfter = false
        if !machine.isBusy && (pending?.readableBytes ?? 0) == 0 { close() }
    }

    /// The access log's count of tries for this request.
    var tries: Int { machine.tries }

    // MARK: deadlines

    func checkDeadlines(now: UInt64) {
        if closing { return }
        if let tunnel {
            checkTunnelIdle(tunnel, now: now)
            return
        }
        if let retries, machine.isBusy {
            perform(machine.deadlinesChecked(now: now, budget: &retries.budget, random: &loop.random), now: now)
            return
        }
        let routes = loop.routes
        if (pending?.readableBytes ?? 0) > 0 {
            if now &- headStartedAt > routes.headerTimeoutNanos {
                respondLocally(status: 408, reason: "header-timeout", keepAlive: false)
            }
        } else if now &- idleSince > routes.idleTimeoutNanos {
            close()
        }
    }
}
