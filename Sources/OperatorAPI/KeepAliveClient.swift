import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// HTTP/1.1 to loopback ports over connections kept open between calls: one idle connection per port.
///
/// The operator talks to every proxy's admin endpoint on every pass (a version probe) and on every change (a push).
/// With a connection per call, setting up and tearing down channels on both ends was most of the operator's CPU
/// and most of a 41-proxy push; a kept connection makes each call one write and one read.
///
/// A call on a kept connection that fails (the proxy restarted, or closed it) is tried once more on a new one, so
/// only send requests that may be repeated: every admin call is (a config push is idempotent; a patch carries its
/// base version and is refused, not reapplied, the second time).
public final class KeepAliveClient: Sendable {
    private let idle = Mutex<[Int: Connection]>([:])
    let host: String
    /// Sent as `Authorization` on every request (a proxy's admin token, `Bearer ...`); nil for none.
    let authorization: String?

    public init(host: String = "127.0.0.1", authorization: String? = nil) {
        self.host = host
        self.authorization = authorization
    }

    public func send(port: Int, _ method: String, _ target: String, body: [UInt8] = [],
                     timeout: Duration) async throws(APIClientError) -> APIResponse {
        // One call is a batch of one: a single home for "try the kept connection, then a new one" (sendAll).
        try await sendAll([Call(port: port, method: method, target: target, body: body)], timeout: timeout)[0].get()
    }

    /// Closes every kept connection.
    public func closeAll() {
        let all = idle.withLock { idle in
            defer { idle.removeAll() }
            return Array(idle.values)
        }
        for connection in all { connection.close() }
    }

    func take(_ port: Int) -> Connection? {
        guard let connection = idle.withLock({ $0.removeValue(forKey: port) }) else { return nil }
        if connection.channel.isActive { return connection }
        connection.close()
        return nil
    }

    func keep(_ connection: Connection, port: Int, if keepAlive: Bool) {
        guard keepAlive, connection.channel.isActive else {
            connection.close()
            return
        }
        let replaced = idle.withLock { idle in
            // Ports of processes long gone: drop their dead connections rather than let the table grow.
            if idle.count > 1024 { idle = idle.filter { $0.value.channel.isActive } }
            return idle.updateValue(connection, forKey: port)
        }
        replaced?.close()
    }

    /// A new connection to `port`, as a future (no task needed to wait for it).
    func connectFuture(port: Int) -> EventLoopFuture<Connection> {
        let group = MultiThreadedEventLoopGroup.singleton
        let address: SocketAddress
        do { address = try SocketAddress(ipAddress: host, port: port) } catch {
            return group.any().makeFailedFuture(error)
        }
        return ClientBootstrap(group: group)
            .connectTimeout(.seconds(2))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector())
                }
            }
            .connect(to: address).map { Connection(channel: $0) }
    }

    /// One kept connection; the collector on its pipeline holds the call in flight.
    struct Connection: Sendable {
        let channel: any Channel

        /// The call, entirely on the channel's event loop: its answer as a future.
        func exchangeFuture(_ method: String, _ target: String, body: [UInt8], host: String, authorization: String?,
                            timeout: Duration) -> EventLoopFuture<Reply> {
            let channel = channel
            return channel.eventLoop.flatSubmit {
                let promise = channel.eventLoop.makePromise(of: Reply.self)
                guard let collector = try? channel.pipeline.syncOperations.handler(type: ResponseCollector.self),
                      collector.pending == nil
                else {
                    promise.fail(ChannelError.ioOnClosedChannel)
                    return promise.futureResult
                }
                collector.pending = promise
                let limit = TimeAmount.nanoseconds(Int64(timeout / .nanoseconds(1)))
                let deadline = channel.eventLoop.scheduleTask(in: limit) {
                    promise.fail(ChannelError.connectTimeout(limit))
                    channel.close(promise: nil)
                }
                promise.futureResult.whenComplete { _ in deadline.cancel() }
                var headers = HTTPHeaders()
                headers.add(name: "host", value: host)
                if let authorization { headers.add(name: "authorization", value: authorization) }
                headers.add(name: "content-length", value: String(body.count))
                let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: target, headers: headers)
                channel.write(HTTPClientRequestPart.head(head), promise: nil)
                if !body.isEmpty {
                    channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
                }
                channel.writeAndFlush(HTTPClientRequestPart.end(nil)).whenFailure { promise.fail($0) }
                return promise.futureResult
            }
        }

        func close() { channel.close(promise: nil) }
    }
}

/// A response, and whether the peer keeps the connection open after it.
struct Reply: Sendable {
    var response: APIResponse
    var keepAlive: Bool
}

/// Gathers one response at a time into an `APIResponse` and completes the call waiting for it.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    var pending: EventLoopPromise<Reply>?
    private var keepAlive = true
    private var response = APIResponse(status: 0, body: [])

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            response = APIResponse(status: Int(head.status.code), contentType: head.headers.first(name: "content-type") ?? "", body: [])
            keepAlive = head.isKeepAlive
        case .body(var buffer):
            response.body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            let promise = pending
            pending = nil
            promise?.succeed(Reply(response: response, keepAlive: keepAlive))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        keepAlive = false
        pending?.fail(ChannelError.ioOnClosedChannel)
        pending = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        keepAlive = false
        pending?.fail(error)
        pending = nil
        context.close(promise: nil)
    }
}
