import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// The operator's API server: HTTP/1.1 on a Unix socket that only the owner may open (mode 0600, inside a 0700 state
/// directory), so no token is needed and nothing listens on the network.
public struct APIServer: Sendable {
    public let socketPath: String
    private let handler: any APIHandler
    /// Requests larger than this are refused with 413 (an apply of many manifests stays far below it).
    public var maxRequestBytes = 64 << 20

    public init(socketPath: String, handler: any APIHandler) {
        self.socketPath = socketPath
        self.handler = handler
    }

    /// Serves until the task is cancelled; removes the socket file when it stops.
    public func run(onListening: @Sendable () -> Void = {}) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(
                unixDomainSocketPath: socketPath, cleanupExistingSocketFile: true,
                childChannelInitializer: Self.httpConnection)
        chmod(socketPath, 0o600)
        onListening()
        defer { unlink(socketPath) }
        await acceptUntilCancelled(server)
    }

    func serve(_ connection: Connection) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body: [UInt8] = []
            for try await part in inbound {
                switch part {
                case .head(let h):
                    head = h
                    body = []
                case .body(var buffer):
                    guard body.count + buffer.readableBytes <= maxRequestBytes else {
                        try await write(APIResponse(status: 413, json: #"{"error":"request too large"}"#), keepAlive: false, to: outbound)
                        return
                    }
                    body += buffer.readBytes(length: buffer.readableBytes) ?? []
                case .end:
                    guard let h = head else { continue }
                    var request = APIRequest(method: h.method.rawValue, target: h.uri, body: body)
                    request.authorization = h.headers.first(name: "authorization")
                    switch await handler.handle(request) {
                    case .whole(let response):
                        try await write(response, keepAlive: h.isKeepAlive, to: outbound)
                        if !h.isKeepAlive { return }
                    case .lines(let lines):
                        try await stream(lines, to: outbound)
                        return
                    }
                }
            }
        }
    }

    private func write(_ response: APIResponse, keepAlive: Bool,
                       to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: response.contentType)
        headers.add(name: "content-length", value: String(response.body.count))
        if !keepAlive { headers.add(name: "connection", value: "close") }
        let status = HTTPResponseStatus(statusCode: response.status)
        try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)))
        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body))))
        try await outbound.write(.end(nil))
    }

    /// A chunked response, one chunk per line, until the stream ends or writing fails (client gone).
    private func stream(_ lines: AsyncStream<String>,
                        to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/x-ndjson")
        headers.add(name: "transfer-encoding", value: "chunked")
        headers.add(name: "connection", value: "close")
        try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)))
        for await line in lines {
            try await outbound.write(.body(.byteBuffer(ByteBuffer(string: line + "\n"))))
        }
        try await outbound.write(.end(nil))
    }
}
