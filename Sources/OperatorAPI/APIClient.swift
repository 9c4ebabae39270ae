import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 client for local peers: the operator over its Unix socket, a sidecar's admin endpoint over
/// 127.0.0.1. One connection per call, which is plenty for a CLI and for the reconciler's checks.
public struct APIClient: Sendable {
    public enum Address: Sendable, Hashable {
        case unixSocket(String)
        case tcp(host: String, port: Int)
    }

    public let address: Address
    /// A call that has not completed after this long fails (so a hung peer never hangs the caller).
    public var timeout: Duration
    /// Where the connection runs; nil: NIO's singleton group (its threads start on first use). `mesh-proxy` passes
    /// its one event loop so that a certificate renewal starts no thread (docs/performance.md, "one thread").
    public var group: (any EventLoopGroup)?

    public init(socketPath: String, timeout: Duration = .seconds(30), group: (any EventLoopGroup)? = nil) {
        self.address = .unixSocket(socketPath)
        self.timeout = timeout
        self.group = group
    }

    public init(host: String, port: Int, timeout: Duration = .seconds(5)) {
        self.address = .tcp(host: host, port: port)
        self.timeout = timeout
    }

    private var addressDescription: String {
        switch address {
        case .unixSocket(let path): return path
        case .tcp(let host, let port): return "\(host):\(port)"
        }
    }

    /// Sends one request and reads the whole response.
    public func send(_ method: String, _ target: String, body: [UInt8] = []) async throws(APIClientError) -> APIResponse {
        var response = APIResponse(status: 0, body: [])
        try await exchange(method, target, body: body) { part in
            switch part {
            case .head(let head):
                response.status = Int(head.status.code)
                response.contentType = head.headers.first(name: "content-type") ?? ""
            case .body(var buffer):
                response.body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                break
            }
            return true
        }
        return response
    }

    /// Sends one request and hands every line of a streamed answer to `onLine` until it returns false, the server
    /// ends the stream, or the task is cancelled.
    public func streamLines(_ method: String, _ target: String,
                            onLine: @Sendable (String) async -> Bool) async throws(APIClientError) {
        var pending: [UInt8] = []
        try await exchange(method, target, body: []) { part in
            guard case .body(var buffer) = part else { return true }
            pending += buffer.readBytes(length: buffer.readableBytes) ?? []
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                guard await onLine(line) else { return false }
            }
            return true
        }
    }

    private func exchange(_ method: String, _ target: String, body: [UInt8],
                          onPart: (HTTPClientResponsePart) async -> Bool) async throws(APIClientError) {
        if case .unixSocket(let path) = address, access(path, F_OK) != 0 {
            throw .operatorNotRunning(socketPath: path)
        }
        do {
            let bootstrap = ClientBootstrap(group: group ?? MultiThreadedEventLoopGroup.singleton).connectTimeout(.seconds(2))
            let initializer: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>> = { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                        wrappingChannelSynchronously: channel)
                }
            }
            let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
            switch address {
            case .unixSocket(let path):
                channel = try await bootstrap.connect(unixDomainSocketPath: path, channelInitializer: initializer)
            case .tcp(let host, let port):
                // An address literal (every proxy's admin port) skips the resolver and Happy Eyeballs: they were
                // a tenth of `meshctl stat`'s CPU and sit on the operator's config-push path.
                if let literal = try? SocketAddress(ipAddress: host, port: port) {
                    channel = try await bootstrap.connect(to: literal, channelInitializer: initializer)
                } else {
                    channel = try await bootstrap.connect(host: host, port: port, channelInitializer: initializer)
                }
            }
            // A deadline for the whole exchange: closing the channel ends the read loop below with an error.
            let deadline = channel.channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)) { channel.channel.close(promise: nil) }
            defer { deadline.cancel() }
            try await channel.executeThenClose { inbound, outbound in
                var headers = HTTPHeaders()
                headers.add(name: "host", value: "operator")
                headers.add(name: "content-length", value: String(body.count))
                headers.add(name: "connection", value: "close")
                // The whole request in one write: a server that answers as soon as the head is in (a bodyless
                // request) and closes must not find us still writing ("I/O on closed channel").
                var parts: [HTTPClientRequestPart] = [.head(HTTPRequestHead(
                    version: .http1_1, method: HTTPMethod(rawValue: method), uri: target, headers: headers))]
                if !body.isEmpty { parts.append(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                parts.append(.end(nil))
                try await outbound.write(contentsOf: parts)
                for try await part in inbound {
                    guard await onPart(part) else { return }
                    if case .end = part { return }
                }
            }
        } catch let error as APIClientError {
            throw error
        } catch let error as IOError where error.errnoCode == ECONNREFUSED || error.errnoCode == ENOENT {
            if case .unixSocket(let path) = address { throw .operatorNotRunning(socketPath: path) }
            throw .connectionRefused(addressDescription)
        } catch {
            throw .transport("\(error)")
        }
    }
}

public enum APIClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No socket, or nobody accepting on it: the operator is not running for this state directory.
    case operatorNotRunning(socketPath: String)
    /// Nobody listens at a TCP address (a sidecar that is not up).
    case connectionRefused(String)
    case transport(String)

    public var description: String {
        switch self {
        case .operatorNotRunning(let path):
            return "no operator is running (no answer on \(path)); start one with `meshctl up`"
        case .connectionRefused(let address):
            return "connection refused by \(address)"
        case .transport(let message):
            return "cannot talk to the operator: \(message)"
        }
    }
}
