import NIOCore
import NIOPosix
import Prometheus
import SidecarConfig
import TrafficPolicy

/// Active HTTP health checks of one endpoint from one event loop: `GET path` on a fresh connection every
/// `interval`; a 2xx status line within `timeout` passes. The first check runs at once; until it completes the
/// endpoint counts as healthy (so a proxy that just started does not answer 503), after that
/// `HealthCheckState` decides (Envoy's thresholds).
///
/// `@unchecked Sendable`: created wherever the configuration is compiled, but its state is only touched from the
/// endpoint's event loop (the repeated task and the callbacks run there).
final class HealthChecker: @unchecked Sendable {
    let check: HealthCheck
    /// Strong (see `ServicePool` on why not weak); let go of by `stop`, which the endpoint's leaving or a new check calls.
    private var endpoint: EndpointState?
    private let onChange: (EndpointState) -> Void
    private var state: HealthCheckState
    private var task: RepeatedTask?
    private var running = false

    init(check: HealthCheck, endpoint: EndpointState, onChange: @escaping (EndpointState) -> Void) {
        self.check = check
        self.endpoint = endpoint
        self.onChange = onChange
        self.state = HealthCheckState(healthyThreshold: check.healthyThreshold, unhealthyThreshold: check.unhealthyThreshold)
    }

    func start() {
        guard task == nil, let endpoint else { return }
        task = endpoint.eventLoop.scheduleRepeatedTask(
            initialDelay: .zero, delay: TimeAmount(check.interval)
        ) { [self] _ in self.runOnce() }
    }

    func stop() {
        task?.cancel()
        task = nil
        endpoint = nil
    }

    private func runOnce() {
        guard !running, let endpoint, let address = endpoint.socketAddress else { return }
        running = true
        let loop = endpoint.eventLoop
        let promise = loop.makePromise(of: Int.self)
        let timeout = TimeAmount(check.timeout)
        let request = "GET \(check.path) HTTP/1.1\r\nhost: \(endpoint.address)\r\nuser-agent: meshctl-health\r\nconnection: close\r\n\r\n"
        let deadline = loop.scheduleTask(in: timeout) { promise.fail(ChannelError.connectTimeout(timeout)) }
        ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(StatusLineReader(promise: promise))
                }
            }
            .connect(to: address)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    channel.writeAndFlush(ByteBuffer(string: request), promise: nil)
                    promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                case .failure(let error):
                    promise.fail(error)
                }
            }
        promise.futureResult.whenComplete { [self] result in
            deadline.cancel()
            let checker = self
            checker.running = false
            let passed = (try? result.get()).map { (200..<300).contains($0) } ?? false
            checker.record(passed: passed)
        }
    }

    private func record(passed: Bool) {
        guard let endpoint else { return }
        state.record(passed: passed)
        let healthy = state.status == .healthy
        let changed = healthy != endpoint.healthy
        endpoint.healthy = healthy
        // A failure makes the endpoint's series (it is news); a pass only updates series that exist.
        if !passed { endpoint.metrics.healthCheckFailures.increment() }
        endpoint.madeMetrics?.healthy.set(Int64(healthy ? 1 : 0))
        if changed { onChange(endpoint) }
    }
}

/// Reads bytes until the status line is complete and fulfils the promise with the status code.
private final class StatusLineReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let promise: EventLoopPromise<Int>
    private var buffer = ByteBuffer()

    init(promise: EventLoopPromise<Int>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var input = unwrapInboundIn(data)
        buffer.writeBuffer(&input)
        let view = buffer.readableBytesView
        guard let lf = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 1024 { promise.fail(HTTPParseError.badStatusLine) }
            return
        }
        let line = String(decoding: view[view.startIndex..<lf], as: UTF8.self)
        let parts = line.split(separator: " ")
        if parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) {
            promise.succeed(status)
        } else {
            promise.fail(HTTPParseError.badStatusLine)
        }
    }

    func channelInactive(context: ChannelHandlerContext) { promise.fail(ChannelError.eof) }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { promise.fail(error) }
}
