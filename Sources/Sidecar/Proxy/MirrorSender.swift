import NIOCore
import NIOPosix
import Prometheus
import TrafficPolicy

/// Sends copies of requests to a mirror service (HTTPRoute `RequestMirror`) and throws the answers away. The
/// primary request never waits for it: a copy goes out on its own connection (`connection: close`), at most
/// `maxInFlight` at a time per event loop, and a copy that finds them all busy is shed, not queued. Each copy is
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
    /// `service`, with `connection: close` so the mirror's answer ends with its connection.
    func send(head: ByteBuffer, body: ByteBuffer?, to service: ServiceState) {
        let counters = counter(service.name)
        let candidates = service.endpoints.indices.filter { !service.unhealthy.contains($0) }
        guard inFlight < Self.maxInFlight, !candidates.isEmpty,
            let address = service.endpoints[candidates[nextEndpoint % candidates.count]].socketAddress
        else {
            counters.shed.increment()
            return
        }
        nextEndpoint &+= 1
        var request = head
        // The head ends with CRLF CRLF; the proxy removed any Connection field, so this one is the only one.
        request.moveWriterIndex(to: request.writerIndex - 2)
        request.writeStaticString("connection: close\r\n\r\n")
        if var body { request.writeBuffer(&body) }
        inFlight += 1
        let answered = eventLoop.makePromise(of: Void.self)
        let timeout = Self.timeout
        ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AnswerDiscarder(answered: answered))
                }
            }
            .connect(to: address)
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    channel.writeAndFlush(request, promise: nil)
                    // The mirror closes after its answer (connection: close); one that does not is closed for it.
                    let stop = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
                    channel.closeFuture.whenComplete { [self] _ in
                        stop.cancel()
                        inFlight -= 1
                    }
                case .failure(let error):
                    inFlight -= 1
                    answered.fail(error)
                }
            }
        answered.futureResult.whenComplete { result in
            if case .success = result { counters.sent.increment() } else { counters.failed.increment() }
        }
    }
}

/// Reads the mirror's answer away. Its promise completes exactly once: with success at the first answer bytes
/// (the mirror answered; what it said does not matter), or with a failure when the connection ends before any.
private final class AnswerDiscarder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let answered: EventLoopPromise<Void>
    private var completed = false

    init(answered: EventLoopPromise<Void>) { self.answered = answered }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !completed else { return }
        completed = true
        answered.succeed()
    }

    func channelInactive(context: ChannelHandlerContext) {
        guard !completed else { return }
        completed = true
        answered.fail(ChannelError.eof)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}
